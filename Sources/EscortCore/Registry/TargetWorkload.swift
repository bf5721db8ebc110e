/// What a target runs, as the registry describes it: its services, application folders,
/// databases and internal networks (`escort target add … --service app --app-dir /opt/app`).
///
/// The gateway hands it to the analyser with every command on the target, so that routine work
/// on the target's own application can be told from an attack on the machine. Empty: nothing is
/// assumed to be the target's own.
public struct TargetWorkload: Sendable, Codable, Hashable {
    /// Application services (systemd unit names without `.service`, or container names).
    public var services: [String]
    /// Folders holding the application's code and data (absolute paths).
    public var appDirectories: [String]
    /// The target's own databases, by the names the database clients take.
    public var databases: [String]
    /// The target's internal networks: CIDR blocks (`10.20.0.0/16`) or host names.
    public var networks: [String]

    public init(services: [String] = [], appDirectories: [String] = [], databases: [String] = [], networks: [String] = []) {
        self.services = services
        self.appDirectories = appDirectories
        self.databases = databases
        self.networks = networks
    }

    public var isEmpty: Bool { services.isEmpty && appDirectories.isEmpty && databases.isEmpty && networks.isEmpty }

    private enum CodingKeys: String, CodingKey { case services, appDirectories, databases, networks }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        services = try c.decodeIfPresent([String].self, forKey: .services) ?? []
        appDirectories = try c.decodeIfPresent([String].self, forKey: .appDirectories) ?? []
        databases = try c.decodeIfPresent([String].self, forKey: .databases) ?? []
        networks = try c.decodeIfPresent([String].self, forKey: .networks) ?? []
    }

    /// Checks every entry: a service or database is one word, a folder an absolute path, a
    /// network a CIDR block (IPv4 or IPv6, with a prefix in range) or a host name.
    ///
    /// - Throws: ``RegistryError`` `.invalidField` naming the option.
    public func validate() throws(RegistryError) {
        for s in services where !Self.isWord(s) {
            throw RegistryError(.invalidField, "service \"\(s)\" is not a unit or container name (letters, digits, . _ @ - only)", field: "service")
        }
        for d in databases where !Self.isWord(d) {
            throw RegistryError(.invalidField, "database \"\(d)\" is not a database name (letters, digits, . _ @ - only)", field: "database")
        }
        for p in appDirectories where !p.hasPrefix("/") || p.contains("\0") || p.split(separator: "/").contains("..") {
            throw RegistryError(.invalidField, "application folder \"\(p)\" is not an absolute path without ..", field: "app-dir")
        }
        for n in networks where !Self.isNetwork(n) {
            throw RegistryError(
                .invalidField, "network \"\(n)\" is not a CIDR block (10.20.0.0/16, fd00::/8) or a host name", field: "network")
        }
        for (field, list) in [("service", services), ("app-dir", appDirectories), ("database", databases), ("network", networks)] {
            var seen = Set<String>()
            for v in list where !seen.insert(v).inserted {
                throw RegistryError(.invalidField, "\(field) \"\(v)\" is given twice", field: field)
            }
        }
    }

    static func isWord(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 128 && s.unicodeScalars.allSatisfy { $0.isASCII && (($0.properties.isAlphabetic) || ("0"..."9").contains($0) || "._@-".unicodeScalars.contains($0)) }
    }

    static func isNetwork(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = parts.first, !address.isEmpty else { return false }
        if parts.count == 2 {
            guard let prefix = Int(parts[1]) else { return false }
            if let v4 = ipv4(address) { return v4 && (0...32).contains(prefix) }
            if address.contains(":") { return ipv6(address) && (0...128).contains(prefix) }
            return false
        }
        if let v4 = ipv4(address) { return v4 }
        if address.contains(":") { return ipv6(address) }
        return address.count <= 253 && address.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }

    /// nil: not dotted digits; false: dotted digits but not an address; true: an IPv4 address.
    private static func ipv4(_ s: Substring) -> Bool? {
        let octets = s.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return nil }
        return octets.count == 4 && octets.allSatisfy { (Int($0) ?? 256) <= 255 }
    }

    private static func ipv6(_ s: Substring) -> Bool {
        let hex = s.unicodeScalars.allSatisfy { $0 == ":" || ("0"..."9").contains($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0) }
        let groups = s.split(separator: ":", omittingEmptySubsequences: false)
        return hex && groups.count >= 3 && groups.count <= 8 && groups.allSatisfy { $0.count <= 4 }
            && s.components(separatedBy: "::").count <= 2
    }
}
