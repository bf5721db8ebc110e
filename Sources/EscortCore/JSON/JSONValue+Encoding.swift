/// Deterministic JSON encoding.
///
/// The canonical form (used for everything Escort hashes or signs):
/// - no whitespace; object keys sorted by their UTF-8 bytes; no duplicate keys;
/// - strings escaped minimally: `"` `\\` and control characters below U+0020 only
///   (`\b \f \n \r \t` by name, others as `\u00XX` in lower-case hex), everything else as UTF-8;
/// - integers only, in plain decimal without leading zeros or `+`.
/// Floats are not canonical: ``canonicalBytes()`` throws for them; ``encodedBytes()`` writes
/// them with Swift's shortest round-trip form (for formats like asciicast).
extension JSONValue {
    /// The canonical encoding. Throws ``JSONError`` if the value holds a float.
    public func canonicalBytes() throws(JSONError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        try write(into: &out, allowFloats: false)
        return out
    }

    /// A compact, deterministic encoding that also allows floats.
    public func encodedBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        try? write(into: &out, allowFloats: true)
        return out
    }

    /// ``encodedBytes()`` as a string.
    public func encodedString() -> String {
        String(decoding: encodedBytes(), as: UTF8.self)
    }

    func write(into out: inout [UInt8], allowFloats: Bool) throws(JSONError) {
        switch self {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .float(let d):
            guard allowFloats else { throw JSONError(.notCanonical, "floats are not allowed in canonical JSON", at: out.count) }
            guard d.isFinite else { out.append(contentsOf: "null".utf8); return }
            if d == d.rounded(), abs(d) < 1e15 { out.append(contentsOf: String(Int64(d)).utf8) } else { out.append(contentsOf: "\(d)".utf8) }
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try v.write(into: &out, allowFloats: allowFloats)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            let keys = o.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, k) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                try o[k]!.write(into: &out, allowFloats: allowFloats)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `s` as a canonical JSON string literal.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
