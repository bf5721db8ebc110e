import Foundation

/// What the registry knows about a target's workload, so the analyser can tell routine work on
/// the target's own application from an attack on the machine (`escort target add … --service app
/// --app-dir /opt/app`).
///
/// Without context (``none``) the defaults stay safe: no service, folder, database or network is
/// assumed to be the target's own.
public struct TargetContext: Sendable, Hashable, Codable {
    /// The target's application services (systemd unit names without `.service`, or container
    /// names): restarting, reloading or querying them is routine.
    public var services: [String]
    /// Folders holding the application's code and data (`/opt/app`, `/srv/www`).
    public var appDirectories: [String]
    /// The target's own databases (names as the database clients take them).
    public var databases: [String]
    /// The target's own internal networks, as CIDR blocks (`10.20.0.0/16`) or host names.
    public var networks: [String]

    public init(services: [String] = [], appDirectories: [String] = [], databases: [String] = [], networks: [String] = []) {
        self.services = services
        self.appDirectories = appDirectories
        self.databases = databases
        self.networks = networks
    }

    /// No context: nothing is assumed to be the target's own.
    public static let none = TargetContext()

    public var isEmpty: Bool { services.isEmpty && appDirectories.isEmpty && databases.isEmpty && networks.isEmpty }
}

extension TargetContext {
    /// The service of the target that `unit` names (`app`, `app.service`, `app@2`, a container
    /// `app`), or nil.
    public func ownService(_ unit: String) -> String? {
        let u = unit.lowercased()
        return services.first { s in
            let s = s.lowercased()
            return u == s || u == s + ".service" || u.hasPrefix(s + "@") || u == s + ".socket"
        }
    }

    /// The application folder of the target that holds `path` (or is it), or nil. Paths are
    /// compared after normalisation (`/opt/app/../app/x` is under `/opt/app`).
    public func appDirectory(holding path: String) -> String? {
        let p = PathPattern.normalise(path)
        return appDirectories.first { dir in
            let d = PathPattern.normalise(dir.count > 1 && dir.hasSuffix("/") ? String(dir.dropLast()) : dir)
            return !d.isEmpty && d != "/" && (p == d || p.hasPrefix(d + "/"))
        }
    }

    /// The database of the target that `name` is (compared ignoring case and quotes), or nil.
    public func ownDatabase(_ name: String) -> String? {
        let n = name.trimmingCharacters(in: CharacterSet(charactersIn: "\"'`[];")).lowercased()
        return databases.first { $0.lowercased() == n }
    }

    /// The network of the target that `host` (a name or an IPv4 address, with or without a
    /// port) is in: a CIDR block that holds the address, or a name equal to the host or a domain
    /// above it (`corp.example.com` holds `db1.corp.example.com`).
    public func ownNetwork(_ host: String) -> String? {
        var h = Substring(host.lowercased())
        if let at = h.lastIndex(of: "@") { h = h[h.index(after: at)...] }
        if h.hasPrefix("[") { h = h.dropFirst().prefix { $0 != "]" } } else if h.filter({ $0 == ":" }).count == 1, let c = h.firstIndex(of: ":") { h = h[..<c] }
        let name = String(h.hasSuffix(".") ? h.dropLast() : h)
        let address = Destination.ipv4(name)
        for network in networks {
            let n = network.lowercased()
            if let slash = n.firstIndex(of: "/"), let bits = Int(n[n.index(after: slash)...]), (0...32).contains(bits),
                let base = Destination.ipv4(String(n[..<slash])), let a = address
            {
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << UInt32(32 - bits)
                if a & mask == base & mask { return network }
            } else if let a = address, let single = Destination.ipv4(n), a == single {
                return network
            } else if address == nil, !n.isEmpty, name == n || name.hasSuffix("." + n) {
                return network
            }
        }
        return nil
    }
}
