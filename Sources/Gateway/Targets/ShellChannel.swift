import NIOConcurrencyHelpers
import NIOCore

/// The byte stream of a target's shell (a PTY master or an SSH session channel): one reader
/// that delivers output with backpressure, and a writer that exists once reading has started.
final class ShellChannel: Sendable {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    let outbound = NIOLockedValueBox<NIOAsyncChannelOutboundWriter<ByteBuffer>?>(nil)
    let ended = NIOLockedValueBox(false)
    /// Succeeded once the writer exists (the pump has started), failed if it never will.
    let ready: EventLoopPromise<Void>

    init(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
        self.ready = channel.channel.eventLoop.makePromise()
    }

    /// A shell closed before its output was ever pumped (a session that ended while starting)
    /// must not leave `ready` unfulfilled: NIO treats a dropped promise as a leak.
    deinit {
        ready.fail(GatewayError(.targetUnavailable, "the target's shell was closed before it started"))
    }

    /// Delivers every read to `deliver`, awaiting each; returns when the stream has ended.
    func pump(_ deliver: @escaping @Sendable ([UInt8]) async -> Void) async {
        do {
            try await channel.executeThenClose { inbound, outbound in
                self.outbound.withLockedValue { $0 = outbound }
                self.ready.succeed()
                for try await buffer in inbound {
                    await deliver(Array(buffer.readableBytesView))
                }
            }
        } catch {
            // EIO on a PTY whose shell has gone, or a closed SSH channel: the normal end.
        }
        outbound.withLockedValue { $0 = nil }
        ended.withLockedValue { $0 = true }
        ready.fail(GatewayError(.targetUnavailable, "the target's shell has ended"))
    }

    /// Writes to the shell, waiting until the pump has started.
    func write(_ bytes: [UInt8]) async throws {
        try await ready.futureResult.get()
        guard let writer = outbound.withLockedValue({ $0 }) else {
            throw GatewayError(.targetUnavailable, "the target's shell has ended")
        }
        try await writer.write(ByteBuffer(bytes: bytes))
    }

    var hasEnded: Bool { ended.withLockedValue { $0 } }
}
