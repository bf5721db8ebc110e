#if canImport(Glibc)
import Glibc
#endif
import AuditLog
import Foundation
import Gateway
import Store
import StorePostgres

/// Why `escort serve` could not start, and the exit status that says so to systemd.
///
/// - 78 (`EX_CONFIG`): something the operator must fix (a file, a folder, a key, a port taken,
///   the database refusing the user); the unit does not restart (`RestartPreventExitStatus=78`).
/// - 69 (`EX_UNAVAILABLE`): the PostgreSQL server cannot be reached now; the unit restarts it
///   (`Restart=on-failure`), so a gateway booting before its database comes up by itself.
struct StartupFailure: Error, CustomStringConvertible {
    static let configuration: Int32 = 78
    static let unavailable: Int32 = 69

    var exitCode: Int32
    var description: String

    static func config(_ message: String) -> StartupFailure { StartupFailure(exitCode: configuration, description: message) }
}

/// What `escort serve` checks before it creates or binds anything: every key it will read, every
/// folder it will write, every port it will listen on and whether the database answers. A
/// failure here leaves no store file, no key and no port behind.
enum ServePreflight {
    static func check(_ runner: GatewayRunner) throws(StartupFailure) {
        // The store: a SQLite file and its folder (the WAL files are made beside it).
        if case .sqlite(let path) = runner.store {
            if FileManager.default.fileExists(atPath: path) {
                guard access(path, R_OK | W_OK) == 0, writable((path as NSString).deletingLastPathComponent.nonEmpty ?? ".") else {
                    throw .config("\(runner.origin("store.location", "store")): \(path) and its folder must be readable and writable by \(Self.user)")
                }
            } else {
                try writableFolder(of: path, runner.origin("store.location", "store"), making: "the store")
            }
        }
        // Keys: an existing one must be readable and in a format the gateway reads; a missing one
        // is made at start, so its folder must exist and be writable.
        if FileManager.default.fileExists(atPath: runner.hostKeyPath) {
            do {
                _ = try HostKeyFile.load(path: runner.hostKeyPath)
            } catch {
                throw .config("\(runner.origin("gateway.host_key", "host-key")): \(Self.message(error))")
            }
        } else {
            try writableFolder(of: runner.hostKeyPath, runner.origin("gateway.host_key", "host-key"), making: "the host key")
        }
        if FileManager.default.fileExists(atPath: runner.signingKeyPath) {
            do {
                _ = try GatewaySigningKey.load(path: runner.signingKeyPath)
            } catch {
                throw .config("\(runner.origin("audit.signing_key", "signing-key")): \(error.message)")
            }
            if access(runner.signingKeyPath, R_OK | W_OK) != 0 || !writable((runner.signingKeyPath as NSString).deletingLastPathComponent) {
                // The signer keeps its last checkpoint beside the key.
                throw .config("\(runner.origin("audit.signing_key", "signing-key")): the folder of \(runner.signingKeyPath) must be writable by \(Self.user) (the signer keeps its last checkpoint beside the key)")
            }
        } else {
            try writableFolder(of: runner.signingKeyPath, runner.origin("audit.signing_key", "signing-key"), making: "the signing key")
        }

        // Never as another account than the one owning the state (root on the service's files).
        do {
            try runner.store.checkOwner(signingKey: runner.signingKeyPath)
        } catch let e as StoreError {
            throw .config("\(runner.origin("store.location", "store")): \(e.message)")
        } catch {
            throw .config("\(runner.origin("store.location", "store")): \(error)")
        }
        // Folders made at start.
        for (path, name) in [(runner.recordings, runner.origin("gateway.recordings", "recordings")), (runner.localHome, runner.origin("gateway.local_home", "local-home"))] {
            try creatableFolder(path, name)
        }

        // Ports: the same address and port twice, or one another process holds.
        var listeners: [(name: String, host: String, port: Int)] = [(runner.origin("gateway.port", "port"), runner.host, runner.port)]
        if let web = runner.web { listeners.append((runner.origin("web.port", "web-port"), web.host, web.port)) }
        if let ops = runner.operations { listeners.append((runner.origin("operations.port", "operations-port"), ops.host, ops.port)) }
        for (i, l) in listeners.enumerated() where l.port != 0 {
            if let other = listeners[..<i].first(where: { $0.port == l.port && $0.host == l.host }) {
                throw .config("\(l.name): \(l.host):\(l.port) is also \(other.name)")
            }
            if let problem = PortProbe.bindProblem(host: l.host, port: l.port) {
                throw .config("\(l.name): cannot listen on \(l.host):\(l.port): \(problem)")
            }
        }

        // The database answers (its refusals, a wrong password or a missing database, come when
        // it is opened, before anything else is made).
        if case .postgres(let c) = runner.store, let problem = PortProbe.connectProblem(host: c.host, port: c.port, timeout: 5) {
            throw StartupFailure(exitCode: StartupFailure.unavailable, description: "\(runner.origin("store.location", "store")): cannot reach the PostgreSQL server \(c.host):\(c.port): \(problem)")
        }
    }

    /// The account the gateway runs as (for messages).
    static var user: String {
        if let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name { return "the user \(String(cString: name))" }
        return "the gateway's user"
    }

    static func writable(_ folder: String) -> Bool { access(folder.isEmpty ? "." : folder, W_OK | X_OK) == 0 }

    /// The folder `file` goes in must exist and be writable.
    static func writableFolder(of file: String, _ name: String, making what: String) throws(StartupFailure) {
        let folder = (file as NSString).deletingLastPathComponent.nonEmpty ?? "."
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw .config("\(name): the folder \(folder) does not exist, so \(what) \(file) cannot be made; create it (install -d -o escort -g escort -m 0750 \(folder)) or give another path")
        }
        guard writable(folder) else {
            throw .config("\(name): \(Self.user) cannot write in \(folder), so \(what) \(file) cannot be made; run as the service account (runuser -u escort -- escort serve …) or fix the folder's owner")
        }
    }

    /// `path` is a folder that exists and is writable, or can be made under its nearest existing
    /// ancestor.
    static func creatableFolder(_ path: String, _ name: String) throws(StartupFailure) {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw .config("\(name): \(path) is not a folder") }
            guard writable(path) else { throw .config("\(name): \(Self.user) cannot write in \(path)") }
            return
        }
        var ancestor = (path as NSString).deletingLastPathComponent.nonEmpty ?? "."
        while !FileManager.default.fileExists(atPath: ancestor), ancestor != "/", ancestor != "." {
            ancestor = (ancestor as NSString).deletingLastPathComponent.nonEmpty ?? "."
        }
        guard writable(ancestor) else {
            throw .config("\(name): \(path) does not exist and \(Self.user) cannot create it in \(ancestor)")
        }
    }

    static func message(_ error: any Error) -> String {
        if let e = error as? GatewayError { return e.message }
        return "\(error)"
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

/// Asks the kernel, without NIO, whether a port can be bound and a server reached.
enum PortProbe {
    /// Why `host:port` cannot be bound now (nil: it can). The socket is closed at once; it is
    /// opened as the listeners open theirs (`SO_REUSEADDR`), so it answers as they will.
    static func bindProblem(host: String, port: Int) -> String? {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else { return "the address \(host) cannot be resolved (\(String(cString: gai_strerror(rc))))" }
        defer { freeaddrinfo(list) }
        // NIO binds the first address the name resolves to.
        let a = first.pointee
        let fd = socket(a.ai_family, a.ai_socktype, a.ai_protocol)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, a.ai_addr, a.ai_addrlen) == 0 else {
            let e = errno
            return e == EADDRINUSE ? "the port is already in use by another process" : String(cString: strerror(e))
        }
        guard listen(fd, 1) == 0 else {
            let e = errno
            return e == EADDRINUSE ? "the port is already in use by another process" : String(cString: strerror(e))
        }
        return nil
    }

    /// Why a TCP connection to `host:port` cannot be made within `timeout` seconds (nil: it can).
    static func connectProblem(host: String, port: Int, timeout: Int32) -> String? {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, list != nil else { return "the name \(host) cannot be resolved (\(String(cString: gai_strerror(rc))))" }
        defer { freeaddrinfo(list) }
        var last = "no address"
        var next = list
        while let node = next {
            let a = node.pointee
            next = a.ai_next
            let fd = socket(a.ai_family, a.ai_socktype | Int32(SOCK_NONBLOCK.rawValue), a.ai_protocol)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            if connect(fd, a.ai_addr, a.ai_addrlen) == 0 { return nil }
            guard errno == EINPROGRESS else {
                last = String(cString: strerror(errno))
                continue
            }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&p, 1, timeout * 1000) == 1 else {
                last = "no answer within \(timeout) s"
                continue
            }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err == 0 { return nil }
            last = String(cString: strerror(err))
        }
        return last
    }
}
