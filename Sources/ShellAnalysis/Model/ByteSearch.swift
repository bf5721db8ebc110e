/// Substring search on UTF-8 bytes for the analyser's rules.
///
/// With Foundation imported, `text.contains("…")` resolves to Foundation's `StringProtocol`
/// method, which on Linux bridges both strings through `NSString` and compares UTF-16 code units:
/// the analyser's rules make thousands of such searches per command line and they came to a
/// quarter of all analysis time. This overload, more specific than Foundation's generic one, is
/// chosen for every `contains` with a `String` argument in this module. It compares bytes, so it
/// finds exactly the bytes asked for (no Unicode canonical equivalence, which no rule relies on).
extension StringProtocol {
    func contains(_ other: String) -> Bool {
        ByteSearch.contains(self, other)
    }
}

enum ByteSearch {
    /// `text` with every byte `old` replaced by `new` (both ASCII), without Foundation.
    static func replacing(_ old: UInt8, with new: UInt8, in text: String) -> String {
        guard text.utf8.contains(old) else { return text }
        return String(decoding: text.utf8.map { $0 == old ? new : $0 }, as: UTF8.self)
    }

    static func contains(_ text: some StringProtocol, _ needle: String) -> Bool {
        var needle = needle
        return needle.withUTF8 { n in
            guard !n.isEmpty else { return true }
            if let found = text.utf8.withContiguousStorageIfAvailable({ h in search(h, n) }) { return found }
            return Array(text.utf8).withUnsafeBufferPointer { search($0, n) }
        }
    }

    static func search(_ h: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = n.count
        guard h.count >= count else { return false }
        let first = n[0]
        var i = 0
        let last = h.count - count
        outer: while i <= last {
            if h[i] == first {
                var j = 1
                while j < count {
                    if h[i + j] != n[j] { i += 1; continue outer }
                    j += 1
                }
                return true
            }
            i += 1
        }
        return false
    }
}
