/// Turns a byte stream that may split UTF-8 sequences across chunks into whole strings.
///
/// An incomplete sequence at the end of a chunk is held for the next one; invalid bytes
/// become U+FFFD, as terminals show them.
struct UTF8Assembler: Sendable {
    private var held: [UInt8] = []

    mutating func take(_ chunk: [UInt8]) -> String {
        String(decoding: takeBytes(chunk), as: UTF8.self)
    }

    /// The whole sequences in `chunk` (after what was held) as valid UTF-8 bytes: unchanged when
    /// they are ASCII, the common case for bulk output.
    mutating func takeBytes(_ chunk: [UInt8]) -> [UInt8] {
        if held.isEmpty, chunk.allSatisfy({ $0 < 0x80 }) { return chunk }
        let bytes = held + chunk
        held = []
        let keep = Self.incompleteSuffixLength(bytes)
        if keep > 0 {
            held = Array(bytes.suffix(keep))
        }
        return Array(String(decoding: bytes.dropLast(keep), as: UTF8.self).utf8)
    }

    /// Whatever is held, flushed (as U+FFFD if incomplete).
    mutating func flush() -> String {
        defer { held = [] }
        return String(decoding: held, as: UTF8.self)
    }

    /// The length of a trailing, valid-but-incomplete UTF-8 sequence (0…3).
    static func incompleteSuffixLength(_ b: [UInt8]) -> Int {
        var i = b.count - 1
        var continuation = 0
        while i >= 0, continuation < 3, b[i] & 0xC0 == 0x80 {
            continuation += 1
            i -= 1
        }
        guard i >= 0 else { return 0 }
        let lead = b[i]
        let needed: Int
        switch lead {
        case 0xC2...0xDF: needed = 1
        case 0xE0...0xEF: needed = 2
        case 0xF0...0xF4: needed = 3
        default: return 0
        }
        return continuation < needed ? continuation + 1 : 0
    }
}
