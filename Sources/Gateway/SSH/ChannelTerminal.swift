import NIOCore
import NIOSSH

/// The engineer's (or escort's) SSH session channel as a terminal.
struct ChannelTerminal: EngineerTerminal {
    let channel: any Channel

    func send(_ bytes: [UInt8]) async {
        try? await channel.writeAndFlush(SSHChannelData(type: .channel, data: .byteBuffer(ByteBuffer(bytes: bytes))))
    }

    func sendError(_ bytes: [UInt8]) async {
        try? await channel.writeAndFlush(SSHChannelData(type: .stdErr, data: .byteBuffer(ByteBuffer(bytes: bytes))))
    }

    func finish(exitStatus: Int32) async {
        let status = SSHChannelRequestEvent.ExitStatus(exitStatus: Int(exitStatus))
        try? await channel.triggerUserOutboundEvent(status).get()
        try? await channel.close()
    }
}
