import Foundation

/// An IPv4 or IPv6 address as a 128-bit number (IPv4 as `::ffff:a.b.c.d`), parsed without I/O.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Whether the address is IPv4 (held as IPv4-mapped IPv6).
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xffff }

    public static func < (a: IPAddress, b: IPAddress) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// Parses `203.0.113.7`, `2001:db8::1`, `::ffff:192.0.2.1`, and also `[::1]`, `[::1]:2222`,
    /// `203.0.113.7:51000` and `fe80::1%eth0` as a gateway may see them.
    public init?(_ text: String) {
        var t = Substring(text)
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]") else { return nil }
            t = t[t.index(after: t.startIndex)..<close]
        } else if t.filter({ $0 == ":" }).count == 1, t.contains(".") {
            t = t[..<t.firstIndex(of: ":")!]
        }
        if let zone = t.firstIndex(of: "%") { t = t[..<zone] }
        if !t.contains(":") {
            guard let v4 = Self.parseIPv4(t) else { return nil }
            self.init(high: 0, low: 0xffff_0000_0000 | UInt64(v4))
        } else {
            guard let words = Self.parseIPv6(t) else { return nil }
            self.init(
                high: words[0..<4].reduce(0) { $0 << 16 | UInt64($1) },
                low: words[4..<8].reduce(0) { $0 << 16 | UInt64($1) })
        }
    }

    /// A decimal integer as in some IP-to-country files (`16777216`): below 2^32 an IPv4
    /// address, otherwise an IPv6 address.
    init?(decimal text: Substring) {
        guard !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for c in text.utf8 {
            let d = UInt64(c - UInt8(ascii: "0"))
            // (high, low) = (high, low) * 10 + d, refusing overflow past 128 bits.
            let l = low.multipliedFullWidth(by: 10)
            let (h, o1) = high.multipliedReportingOverflow(by: 10)
            let (h2, o2) = h.addingReportingOverflow(l.high)
            let (l2, carry) = l.low.addingReportingOverflow(d)
            let (h3, o3) = h2.addingReportingOverflow(carry ? 1 : 0)
            guard !o1, !o2, !o3 else { return nil }
            high = h3
            low = l2
        }
        if high == 0, low >> 32 == 0 { low |= 0xffff_0000_0000 }
        self.init(high: high, low: low)
    }

    private static func parseIPv4(_ t: Substring) -> UInt32? {
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard (1...3).contains(p.count), p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt32(p), n <= 255 else {
                return nil
            }
            if p.count > 1, p.first == "0" { return nil }  // no octal-looking parts
            v = v << 8 | n
        }
        return v
    }

    private static func parseIPv6(_ t: Substring) -> [UInt16]? {
        let halves = t.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, p) in parts.enumerated() {
                if i == parts.count - 1, p.contains(".") {
                    guard let v4 = parseIPv4(p) else { return nil }
                    out.append(UInt16(v4 >> 16))
                    out.append(UInt16(v4 & 0xffff))
                } else {
                    guard (1...4).contains(p.count), let g = UInt16(p, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }

    /// What kind of address this is, for the location check.
    public enum Scope: String, Sendable {
        case loopback, privateNetwork = "private", linkLocal = "link-local", unspecified, global
    }

    public var scope: Scope {
        if isIPv4 {
            let v = UInt32(truncatingIfNeeded: low)
            let a = v >> 24, b = (v >> 16) & 0xff
            if a == 127 { return .loopback }
            if a == 0 { return .unspecified }
            if a == 10 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) || (a == 100 && (64...127).contains(b)) {
                return .privateNetwork
            }
            if a == 169 && b == 254 { return .linkLocal }
            return .global
        }
        if high == 0, low == 1 { return .loopback }
        if high == 0, low == 0 { return .unspecified }
        let first = high >> 48
        if first & 0xfe00 == 0xfc00 { return .privateNetwork }
        if first & 0xffc0 == 0xfe80 { return .linkLocal }
        return .global
    }

    public var description: String {
        if isIPv4 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\((v >> 16) & 0xff).\((v >> 8) & 0xff).\(v & 0xff)"
        }
        let words = (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * $0)) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * $0)) }
        return words.map { String($0, radix: 16) }.joined(separator: ":")
    }
}
