import NIOConcurrencyHelpers
import NIOCore
import NIOSSH

/// The engineer's (or escort's) SSH session channel as a terminal.
///
/// Output is written without waiting for each write to reach the client, so that a stream of
/// output is not paced by round trips through the event loop. Backpressure comes from the
/// channel: when it stops being writable (the client's SSH window is full), or when more than
/// ``unconfirmedLimit`` bytes have been written since the last confirmed write, `send` waits
/// for its write to complete. Writes complete in order, so that confirms all before it.
final class ChannelTerminal: EngineerTerminal {
    let channel: any Channel
    static let unconfirmedLimit = 1 << 20
    private struct Pending {
        /// Bytes written in all, and how many of them are known to have been written out.
        var written = 0
        var confirmed = 0
        var last: EventLoopFuture<Void>?
    }
    private let pending = NIOLockedValueBox(Pending())

    init(channel: any Channel) {
        self.channel = channel
    }

    func send(_ bytes: [UInt8]) async {
        await write(SSHChannelData(type: .channel, data: .byteBuffer(ByteBuffer(bytes: bytes))), count: bytes.count)
    }

    func sendError(_ bytes: [UInt8]) async {
        await write(SSHChannelData(type: .stdErr, data: .byteBuffer(ByteBuffer(bytes: bytes))), count: bytes.count)
    }

    private func write(_ data: SSHChannelData, count: Int) async {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(data, promise: promise)
        let future = promise.futureResult
        let (wait, mark) = pending.withLockedValue { p in
            p.written += count
            p.last = future
            return (p.written - p.confirmed > Self.unconfirmedLimit || !channel.isWritable, p.written)
        }
        guard wait else { return }
        try? await future.get()
        pending.withLockedValue { p in p.confirmed = max(p.confirmed, mark) }
    }

    /// Waits for every write, then sends the exit status and closes the channel.
    func finish(exitStatus: Int32) async {
        if let last = pending.withLockedValue({ $0.last }) { try? await last.get() }
        let status = SSHChannelRequestEvent.ExitStatus(exitStatus: Int(exitStatus))
        try? await channel.triggerUserOutboundEvent(status).get()
        try? await channel.close()
    }
}
