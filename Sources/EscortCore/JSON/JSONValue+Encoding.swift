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
        var s = s
        s.withUTF8 { writeString(utf8: $0, into: &out) }
    }

    /// Appends valid UTF-8 as a canonical JSON string literal: sized first, then written through
    /// a pointer (terminal output can be megabytes of control bytes, each six bytes escaped).
    public static func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var extra = 0
        for b in bytes {
            if b < 0x20 {
                extra += (b == 0x08 || b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D) ? 1 : 5
            } else if b == 0x22 || b == 0x5C {
                extra += 1
            }
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bytes.count + extra + 2))
        out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var o = base + start
            o.pointee = 0x22
            o += 1
            guard extra > 0 else {
                if let from = bytes.baseAddress { o.update(from: from, count: bytes.count) }
                (o + bytes.count).pointee = 0x22
                return
            }
            for b in bytes {
                if b >= 0x20, b != 0x22, b != 0x5C {
                    o.pointee = b
                    o += 1
                    continue
                }
                o.pointee = 0x5C
                o += 1
                switch b {
                case 0x22, 0x5C: o.pointee = b
                case 0x08: o.pointee = UInt8(ascii: "b")
                case 0x09: o.pointee = UInt8(ascii: "t")
                case 0x0A: o.pointee = UInt8(ascii: "n")
                case 0x0C: o.pointee = UInt8(ascii: "f")
                case 0x0D: o.pointee = UInt8(ascii: "r")
                default:
                    o.pointee = UInt8(ascii: "u")
                    (o + 1).pointee = 0x30
                    (o + 2).pointee = 0x30
                    (o + 3).pointee = hexDigits[Int(b >> 4)]
                    o += 4
                    o.pointee = hexDigits[Int(b & 0xF)]
                }
                o += 1
            }
            o.pointee = 0x22
        }
    }
}
