/// What the PowerShell reader knows about a value before the command runs: a constant it could
/// fold (`'I'+'EX'`, `[char]73`), or nothing but where it came from.
struct PSValue: Sendable {
    enum Kind: Sendable {
        case string(String)
        case int(Int)
        case array([PSValue])
        case bytes([UInt8])
        /// A .NET object the reader tracks by type (`net.webclient`, `encoding:unicode`).
        case object(String)
        /// A type literal such as `[Convert]`.
        case type(String)
        /// A script block, already read where it was written.
        case block
        case null
        case unknown
    }

    var kind: Kind
    var range: SourceRange
    var taint: Taint = []
    /// Computed from pieces rather than typed whole: a sign the text is being hidden.
    var built = false

    static let nullValue = PSValue(kind: .null, range: SourceRange(0, 0))

    static func unknown(_ range: SourceRange, _ taint: Taint = .dynamic) -> PSValue { PSValue(kind: .unknown, range: range, taint: taint) }

    /// The value as PowerShell would turn it into text, when known.
    var string: String? {
        switch kind {
        case .string(let s): return s
        case .int(let n): return String(n)
        case .array(let a):
            let parts = a.compactMap(\.string)
            return parts.count == a.count ? parts.joined(separator: " ") : nil
        case .bytes(let b): return b.map(String.init).joined(separator: " ")
        case .null: return ""
        case .type(let t): return t
        default: return nil
        }
    }

    var int: Int? {
        switch kind {
        case .int(let n): return n
        case .string(let s): return Int(s.trimmingCharacters(in: .whitespaces)) ?? (s.lowercased().hasPrefix("0x") ? Int(s.dropFirst(2), radix: 16) : nil)
        default: return nil
        }
    }

    var elements: [PSValue] {
        switch kind {
        case .array(let a): return a
        case .bytes(let b): return b.map { PSValue(kind: .int(Int($0)), range: range, taint: taint, built: built) }
        case .null: return []
        default: return [self]
        }
    }

    /// A new value derived from `inputs`: their taint carries over, and it counts as built.
    static func derived(_ kind: Kind, from inputs: [PSValue], range: SourceRange) -> PSValue {
        var t: Taint = []
        for v in inputs { t.formUnion(v.taint) }
        return PSValue(kind: kind, range: range, taint: t, built: true)
    }
}

import Foundation
