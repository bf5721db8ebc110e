/// Where data sent by a command goes: the network catalogue. A host as written (a name, an IPv4
/// address in any of the spellings `inet_aton` accepts, a bracketed or IPv4-mapped IPv6 address)
/// is put in one class, and the explanation names it in words.
public struct Destination: Sendable, Hashable {
    /// The classes of destination, from harmless to hostile.
    public enum Kind: String, Sendable, Hashable {
        /// This machine (`127.0.0.0/8`, `::1`, `localhost`).
        case loopback
        /// The private and link-local networks and internal names (`10/8`, `172.16/12`,
        /// `192.168/16`, `fc00::/7`, a name with one label or under `.internal`, `.local`, `.lan`…).
        case internalNetwork
        /// A cloud instance-metadata service, which hands out the machine's credentials
        /// (`169.254.169.254`, `metadata.google.internal`, `fd00:ec2::254`, `169.254.170.2`).
        case instanceMetadata
        /// A cloud storage bucket (`s3://…`, `gs://…`, an rclone remote).
        case cloudStorage
        /// Everything else, documentation ranges (`198.51.100.0/24` …) included: a computer
        /// outside this network.
        case outside
        /// An address only known when the command runs: taken as outside (fail closed).
        case unknown
    }

    /// A destination only known when the command runs.
    public static let atRunTime = Destination(host: "", kind: .unknown)

    /// The host as written.
    public var host: String
    public var kind: Kind
    /// The address in dotted form when the host was written in another spelling (`0xa9fea9fe`).
    public var canonical: String?
    /// The target's own network that holds it (from ``TargetContext/networks``), when the
    /// registry says so: then it is inside, whatever its address.
    public var ownNetwork: String? = nil

    /// The destination as the target's context sees it: a host in one of the target's own
    /// networks is inside.
    public func within(_ context: TargetContext) -> Destination {
        guard !context.networks.isEmpty, kind == .outside || kind == .cloudStorage, let own = context.ownNetwork(host) ?? canonical.flatMap(context.ownNetwork) else { return self }
        var d = self
        d.kind = .internalNetwork
        d.ownNetwork = own
        return d
    }

    public init(host: String, kind: Kind, canonical: String? = nil) {
        self.host = host
        self.kind = kind
        self.canonical = canonical
    }

    /// Whether the host was written as an address rather than a name.
    public var isAddress: Bool { canonical != nil || Destination.ipv4(host.lowercased()) != nil || host.hasPrefix("[") || host.contains("::") }

    /// Whether data sent there leaves the target's networks.
    public var leavesNetwork: Bool { kind == .outside || kind == .cloudStorage || kind == .unknown }

    /// The destination in words: "198.51.100.20, a computer outside this network".
    public var phrase: String {
        let shown = canonical.map { "\($0) (written `\(host)`)" } ?? host
        switch kind {
        case .loopback: return "\(shown), this machine itself"
        case .internalNetwork: return ownNetwork.map { "\(shown), a computer in this target's own network `\($0)`" } ?? "\(shown), a computer inside this network"
        case .instanceMetadata: return "\(shown), the cloud instance-metadata service"
        case .cloudStorage: return "`\(shown)`, cloud storage outside this network"
        case .outside: return "\(shown), a computer outside this network"
        case .unknown: return "a computer whose address is only known when the command runs"
        }
    }

    /// Classifies `host` (a name or an address, with or without `[…]`, a port or `user@`).
    public static func classify(_ written: String) -> Destination {
        var host = Substring(written)
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        if host.hasPrefix("[") {
            let inner = host.dropFirst().prefix { $0 != "]" }
            return classifyIPv6(String(inner).lowercased(), written: String(written))
        }
        if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") { host = host[..<colon] }
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if name.contains(":") { return classifyIPv6(name, written: String(host)) }
        if let v4 = ipv4(name) {
            let dotted = dotted(v4)
            var d = classify(v4, host: String(host))
            if dotted != name { d.canonical = dotted }
            return d
        }
        if metadataNames.contains(name) { return Destination(host: String(host), kind: .instanceMetadata) }
        if name == "localhost" || name.hasSuffix(".localhost") { return Destination(host: String(host), kind: .loopback) }
        let labels = name.split(separator: ".")
        if labels.count <= 1 || labels.contains(where: { internalLabels.contains(String($0)) }) {
            return Destination(host: String(host), kind: .internalNetwork)
        }
        return Destination(host: String(host), kind: .outside)
    }

    /// The host of a URL (`https://user@host:443/x` → `host:443`), or nil when `s` is not one.
    public static func urlHost(_ s: String) -> String? {
        guard let scheme = s.range(of: "://") else { return nil }
        let rest = s[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return authority.isEmpty ? nil : String(authority)
    }

    static let metadataNames: Set<String> = [
        "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal",
        "metadata.azure.com", "metadata.tencentyun.com",
    ]
    static let internalLabels: Set<String> = ["internal", "intranet", "local", "lan", "corp", "localdomain", "home", "priv", "private"]

    static func classify(_ a: UInt32, host: String) -> Destination {
        let b0 = a >> 24, b1 = (a >> 16) & 0xFF
        if [0xA9FE_A9FE, 0xA9FE_AA02, 0xA9FE_AA17, 0x6464_64C8].contains(a) { return Destination(host: host, kind: .instanceMetadata) }
        if b0 == 127 || a == 0 { return Destination(host: host, kind: .loopback) }
        if b0 == 10 || (b0 == 172 && (16...31).contains(b1)) || (b0 == 192 && b1 == 168) || (b0 == 169 && b1 == 254)
            || (b0 == 100 && (64...127).contains(b1))
        {
            return Destination(host: host, kind: .internalNetwork)
        }
        return Destination(host: host, kind: .outside)
    }

    static func classifyIPv6(_ s: String, written: String) -> Destination {
        if s == "::1" || s == "0:0:0:0:0:0:0:1" { return Destination(host: written, kind: .loopback) }
        if s == "fd00:ec2::254" { return Destination(host: written, kind: .instanceMetadata) }
        // IPv4-mapped (`::ffff:169.254.169.254`, `::ffff:a9fe:a9fe`) and -compatible addresses.
        for prefix in ["::ffff:", "0:0:0:0:0:ffff:", "::"] where s.hasPrefix(prefix) {
            let tail = String(s.dropFirst(prefix.count))
            if let v4 = ipv4(tail) { var d = classify(v4, host: written); d.canonical = dotted(v4); return d }
            let groups = tail.split(separator: ":")
            if groups.count == 2, let hi = UInt32(groups[0], radix: 16), let lo = UInt32(groups[1], radix: 16), hi <= 0xFFFF, lo <= 0xFFFF {
                let v4 = hi << 16 | lo
                var d = classify(v4, host: written)
                d.canonical = dotted(v4)
                return d
            }
        }
        if s.hasPrefix("fc") || s.hasPrefix("fd") || s.hasPrefix("fe80") { return Destination(host: written, kind: .internalNetwork) }
        return Destination(host: written, kind: .outside)
    }

    /// An IPv4 address as `inet_aton` reads it: one to four parts, each decimal, octal (`0251`) or
    /// hex (`0xa9`), the last filling the remaining bytes (`169.254.43518`, `2852039166`).
    static func ipv4(_ s: String) -> UInt32? {
        guard !s.isEmpty, s.utf8.count <= 40, s.first!.isNumber else { return nil }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for p in parts {
            let l = p.lowercased()
            let v: UInt64?
            if l.hasPrefix("0x") { v = l.count == 2 ? 0 : UInt64(l.dropFirst(2), radix: 16) }
            else if l.count > 1, l.hasPrefix("0") { v = UInt64(l.dropFirst(), radix: 8) }
            else { v = UInt64(l) }
            guard let v else { return nil }
            values.append(v)
        }
        var address: UInt64 = 0
        for (i, v) in values.dropLast().enumerated() {
            guard v <= 0xFF else { return nil }
            address |= v << (8 * UInt64(3 - i))
        }
        let lastBits = 8 * UInt64(5 - values.count)
        guard let last = values.last, last < (1 << lastBits) else { return nil }
        return UInt32(address | last)
    }

    static func dotted(_ a: UInt32) -> String { "\(a >> 24).\((a >> 16) & 0xFF).\((a >> 8) & 0xFF).\(a & 0xFF)" }
}
