import Agent
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The gateway's end of an escort-agent session, over any byte stream (a local socket pair or an
/// SSH exec channel): frames in both directions, terminal output to the pump, everything else to
/// the ``MediatedShellDelegate``.
final class AgentShell: MediatedShell {
    let stream: ShellChannel
    let delegate = NIOLockedValueBox<(any MediatedShellDelegate)?>(nil)
    let state = NIOLockedValueBox(State())
    let onClose: @Sendable () async -> Void

    struct State {
        var status: Int32??
        var nextRead = 1
        var reads: [Int: CheckedContinuation<AgentMessage, Never>] = [:]
        var shellPID: Int32 = 0
        var ready = false
        var ended = false
    }

    init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, onClose: @escaping @Sendable () async -> Void = {}) {
        self.stream = ShellChannel(channel)
        self.onClose = onClose
    }

    func attach(_ delegate: any MediatedShellDelegate) {
        self.delegate.withLockedValue { $0 = delegate }
    }

    var listener: (any MediatedShellDelegate)? { delegate.withLockedValue { $0 } }

    func pumpOutput(_ deliver: @escaping @Sendable ([UInt8]) async -> Void) async {
        // The pump delivers one read at a time, in order; the box only satisfies the compiler.
        let reading = NIOLockedValueBox((decoder: AgentFrameDecoder(), failure: String?.none))
        await stream.pump { [self] bytes in
            let frames: [AgentFrame]
            do {
                frames = try reading.withLockedValue { r -> [AgentFrame] in
                    guard r.failure == nil else { return [] }
                    return try r.decoder.feed(bytes)
                }
            } catch {
                reading.withLockedValue { $0.failure = "\(error)" }
                return
            }
            for frame in frames {
                let problem: String?
                do { problem = await handle(try AgentMessage(frame: frame), deliver) } catch { problem = "\(error)" }
                if let problem {
                    reading.withLockedValue { $0.failure = problem }
                    return
                }
            }
        }
        let failure = reading.withLockedValue { $0.failure }
        let waiting = state.withLockedValue { s -> [CheckedContinuation<AgentMessage, Never>] in
            s.ended = true
            defer { s.reads = [:] }
            return Array(s.reads.values)
        }
        for c in waiting { c.resume(returning: .file(request: 0, content: nil, error: "the agent has gone")) }
        let exited = state.withLockedValue { $0.status != nil }
        if let failure {
            await listener?.agentFailed(failure)
        } else if !exited {
            await listener?.agentFailed("the agent's connection ended without the shell exiting")
        }
        await onClose()
    }

    /// Handles one message; a string is a failure that ends the stream's use.
    func handle(_ message: AgentMessage, _ deliver: @Sendable ([UInt8]) async -> Void) async -> String? {
        switch message {
        case .output(let bytes):
            await deliver(bytes)
        case .hello(_, let shell, let mediated):
            guard mediated else { return "the agent does not mediate execs" }
            state.withLockedValue { $0.shellPID = shell }
        case .finished(let n, let status, let cwd):
            let first = state.withLockedValue { s -> Bool in
                defer { s.ready = true }
                return !s.ready
            }
            if first, n == 0 {
                await listener?.shellReady(cwd: cwd)
            } else {
                await listener?.shellFinished(number: n, status: status, cwd: cwd)
            }
        case .exec(let report):
            // Decided in a task of its own: a held exec must not stop the output.
            Task { [self] in
                let answer: (allow: Bool, reason: String) = await listener?.execRequested(report) ?? (false, "no session")
                try? await send(.decision(id: report.id, allow: answer.allow, reason: answer.reason))
            }
        case .mismatch(let id, let pid, let reason):
            await listener?.execMismatch(id: id, pid: pid, reason: reason)
        case .file(let rid, _, _):
            let c = state.withLockedValue { $0.reads.removeValue(forKey: rid) }
            c?.resume(returning: message)
        case .exited(let status):
            state.withLockedValue { $0.status = .some(status) }
        case .failure(let text):
            return "escort-agent: \(text)"
        case .input, .resize, .run, .decision, .readFile, .stop:
            return "the agent sent a gateway-side message"
        }
        return nil
    }

    func send(_ message: AgentMessage) async throws {
        try await stream.write(message.frame.encoded)
    }

    func run(number: Int, command: String) async throws {
        try await send(.run(number: number, command: command))
    }

    func write(_ bytes: [UInt8]) async throws {
        try await send(.input(bytes))
    }

    func resize(columns: Int, rows: Int) {
        Task { try? await send(.resize(columns: columns, rows: rows)) }
    }

    func close() async {
        try? await send(.stop)
        try? await stream.channel.channel.close()
    }

    func exitStatus() async -> Int32? {
        for _ in 0..<200 {
            if let s = state.withLockedValue({ $0.status }) { return s }
            if state.withLockedValue({ $0.ended }) { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    func readFile(_ path: String, limit: Int) async throws -> [UInt8]? {
        let rid = state.withLockedValue { s -> Int in
            defer { s.nextRead += 1 }
            return s.nextRead
        }
        let answer = await withCheckedContinuation { (c: CheckedContinuation<AgentMessage, Never>) in
            let ended = state.withLockedValue { s -> Bool in
                if s.ended { return true }
                s.reads[rid] = c
                return false
            }
            if ended { c.resume(returning: .file(request: rid, content: nil, error: "the agent has gone")) }
            else { Task { do { try await send(.readFile(request: rid, path: path, limit: limit)) } catch {
                let c = state.withLockedValue { $0.reads.removeValue(forKey: rid) }
                c?.resume(returning: .file(request: rid, content: nil, error: "\(error)"))
            } } }
        }
        guard case .file(_, let content, let error) = answer else { return nil }
        if content == nil, let error, error.contains("agent has gone") {
            throw GatewayError(.targetUnavailable, error)
        }
        return content
    }
}
