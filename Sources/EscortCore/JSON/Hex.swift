/// Lower-case hexadecimal encoding of bytes, as used in audit records and proofs.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `bytes` as lower-case hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex (either case); nil if the text is not an even number of hex digits.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(utf8: Array(text.utf8))
    }

    /// Decodes hex from UTF-8 bytes; nil if they are not an even number of hex digits.
    public static func decode(utf8 u: some Collection<UInt8>) -> [UInt8]? {
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var high: UInt8 = 0
        var first = true
        for c in u {
            guard let v = value(c) else { return nil }
            if first { high = v } else { out.append(high << 4 | v) }
            first.toggle()
        }
        return out
    }

    /// Decodes hex from UTF-8 bytes (the fast, non-generic path).
    public static func decode(utf8 u: ArraySlice<UInt8>) -> [UInt8]? {
        u.withUnsafeBufferPointer { decode(buffer: $0) }
    }

    /// Decodes hex from a buffer of UTF-8 bytes.
    public static func decode(buffer u: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard u.count % 2 == 0 else { return nil }
        var ok = true
        let out = [UInt8](unsafeUninitializedCapacity: u.count / 2) { out, count in
            var i = 0
            while i < u.count {
                guard let h = value(u[i]), let l = value(u[i + 1]) else { ok = false; break }
                out[i / 2] = h << 4 | l
                i += 2
            }
            count = ok ? u.count / 2 : 0
        }
        return ok ? out : nil
    }

    /// `bytes` as lower-case hex (the fast, non-generic path).
    public static func encode(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (i, b) in bytes.enumerated() {
                out[2 * i] = digits[Int(b >> 4)]
                out[2 * i + 1] = digits[Int(b & 0xF)]
            }
            return bytes.count * 2
        }
    }

    @inline(__always)
    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
