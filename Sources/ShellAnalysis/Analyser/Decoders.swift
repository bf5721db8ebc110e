import Foundation

/// The transformations attackers use to hide payloads, done the way the programs do them.
enum Decoders {
    static func base64(_ text: String) -> String? {
        var s = text.filter { !$0.isWhitespace }
        s = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        guard let data = Data(base64Encoded: s) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func base32(_ text: String) -> String? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0
        var value = 0
        var out: [UInt8] = []
        for ch in text.uppercased() where !ch.isWhitespace && ch != "=" {
            guard let idx = alphabet.firstIndex(of: ch) else { return nil }
            value = (value << 5) | idx
            bits += 5
            if bits >= 8 {
                out.append(UInt8((value >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Plain hex (`xxd -r -p`), ignoring blanks and `\x` / `0x` prefixes.
    static func hex(_ text: String) -> String? {
        var digits: [UInt8] = []
        var s = text.replacingOccurrences(of: "\\x", with: "").replacingOccurrences(of: "0x", with: "")
        s = s.filter { !$0.isWhitespace }
        for ch in s.utf8 {
            guard AnsiC.hexValue(ch) != nil else { return nil }
            digits.append(ch)
        }
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < digits.count {
            out.append(UInt8(AnsiC.hexValue(digits[i])! * 16 + AnsiC.hexValue(digits[i + 1])!))
            i += 2
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func reverseLines(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        let trailing = lines.last == ""
        if trailing { lines.removeLast() }
        return lines.map { String($0.reversed()) }.joined(separator: "\n") + (trailing ? "\n" : "")
    }

    /// `tr SET1 SET2` and `tr -d SET1` with ranges (`a-z`) and escapes.
    static func tr(_ text: String, _ set1: String, _ set2: String?, delete: Bool) -> String {
        let a = expand(set1)
        if delete {
            let d = Set(a)
            return String(text.filter { !d.contains($0) })
        }
        guard var b = set2.map(expand), !b.isEmpty else { return text }
        while b.count < a.count { b.append(b.last!) }
        var map: [Character: Character] = [:]
        for (i, c) in a.enumerated() where map[c] == nil { map[c] = b[i] }
        return String(text.map { map[$0] ?? $0 })
    }

    static func expand(_ set: String) -> [Character] {
        let chars = Array(AnsiC.decode(set))
        var out: [Character] = []
        var i = 0
        while i < chars.count {
            if chars[i] == "[", i + 1 < chars.count, chars[i + 1] == ":" {
                if let end = String(chars[i...]).range(of: ":]") {
                    let name = String(chars[i...])[String(chars[i...]).index(String(chars[i...]).startIndex, offsetBy: 2)..<end.lowerBound]
                    switch name {
                    case "lower": out.append(contentsOf: Array("abcdefghijklmnopqrstuvwxyz"))
                    case "upper": out.append(contentsOf: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                    case "digit": out.append(contentsOf: Array("0123456789"))
                    case "space": out.append(contentsOf: [" ", "\t", "\n"])
                    default: break
                    }
                    i += name.count + 4
                    continue
                }
            }
            if i + 2 < chars.count, chars[i + 1] == "-", let lo = chars[i].unicodeScalars.first?.value, let hi = chars[i + 2].unicodeScalars.first?.value, lo <= hi, hi - lo < 256 {
                for v in lo...hi { if let s = Unicode.Scalar(v) { out.append(Character(s)) } }
                i += 3
                continue
            }
            out.append(chars[i])
            i += 1
        }
        return out
    }
}
