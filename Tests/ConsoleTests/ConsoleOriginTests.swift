import Console
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import Testing

/// Only the console's own pages may post to it or open its live connections: a page on another
/// port of the same host (same site, other origin) opened in the escort's browser must neither
/// read the queue nor count as the escort watching, and a POST that names no origin is refused.
@Suite(.serialized)
struct ConsoleOriginTests {
    func app(_ f: ConsoleFixture) -> some ApplicationProtocol {
        let router = ConsoleRoutesForTesting.router(f.context)
        return Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router))
    }

    /// The status of a WebSocket upgrade as a browser sends it, from `origin`, with the escort's
    /// cookie, on a fresh connection (the server only upgrades a connection's first request).
    static func upgrade(port: Int, _ path: String, cookie: String, origin: String?) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupFailure("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestSetupFailure("connect: \(errno)") }
        var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nCookie: \(cookie)\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        request += "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        if let origin { request += "Origin: \(origin)\r\n" }
        request += "\r\n"
        _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        let head = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self)
        // "HTTP/1.1 403 Forbidden"
        return head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    }

    @Test func aWebSocketFromAnotherOriginNeitherReadsTheQueueNorCountsAsPresence() async throws {
        let f = try await ConsoleFixture()
        _ = try await f.holdCommand(by: "alice", "cat /etc/shadow")
        try await app(f).test(.live) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let sibling = "http://127.0.0.1:\((client.port ?? 8080) + 1)"
            for path in ["/ws/queue", "/ws/sessions/s-1/events", "/ws/sessions/s-1/terminal"] {
                for origin in [sibling, "http://localhost:1", "null", "https://evil.example"] as [String?] + [nil] {
                    let status = try Self.upgrade(port: try #require(client.port), path, cookie: bob.cookie, origin: origin)
                    #expect(status >= 400, "\(path) from \(origin ?? "no origin"): HTTP \(status)")
                }
            }
            // The same upgrade from the console's own origin opens.
            #expect(try Self.upgrade(port: try #require(client.port), "/ws/queue", cookie: bob.cookie, origin: "http://localhost") == 101)
        }
        #expect(await f.hub.summary("s-1")?.escorts == [], "a refused connection counted as the escort watching")
        #expect(try await !f.events().contains("escort.attached"))
        await f.hub.unregister("s-1", reason: "test over")
    }

    @Test func aPostWithoutAnOriginIsRefused() async throws {
        let f = try await ConsoleFixture()
        try await app(f).test(.router) { client in
            let noOrigin = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: "name=bob&password=correct+horse+battery"))
            #expect(noOrigin.status == .forbidden)
            let bob = try #require(try await signIn(client, "bob"))
            let verify = try await client.execute(uri: "/evidence/verify", method: .post,
                                                  headers: [.cookie: bob.cookie, .contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "csrf=\(bob.csrf)"))
            #expect(verify.status == .forbidden)
            let sibling = try await client.execute(uri: "/logout", method: .post,
                                                   headers: [.origin: "http://localhost:1", .cookie: bob.cookie, .contentType: "application/x-www-form-urlencoded"],
                                                   body: ByteBuffer(string: "csrf=\(bob.csrf)"))
            #expect(sibling.status == .forbidden)
        }
    }
}
