/// Characters that make a command read as something other than what runs: control characters
/// (which move a terminal's cursor or rewrite its lines), bidirectional overrides (which show
/// text reversed), zero-width characters (which are not shown at all) and non-ASCII letters that
/// look like Latin ones (Cyrillic `с` for `c`). Found, named and made visible, so a card can show
/// the escort what the text really is. Pure: no I/O.
public struct DisguisedText: Sendable, Equatable {
    /// What a disguising character does.
    public enum Kind: String, Sendable, CaseIterable {
        case control, bidi, invisible, lookalike
    }

    /// One disguising character: where it is (UTF-8 offsets), what it is, and how it is shown.
    public struct Mark: Sendable, Equatable {
        public var kind: Kind
        public var range: SourceRange
        public var scalar: Unicode.Scalar
        /// The visible stand-in, e.g. `⟨ESC⟩`, `⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩`, `⟨Cyrillic с U+0441⟩`.
        public var shown: String
    }

    public let text: String
    public let marks: [Mark]

    public init(_ text: String) {
        self.text = text
        var marks: [Mark] = []
        var offset = 0
        for scalar in text.unicodeScalars {
            let n = String(scalar).utf8.count
            if let (kind, shown) = Self.classify(scalar) {
                marks.append(Mark(kind: kind, range: SourceRange(offset, offset + n), scalar: scalar, shown: shown))
            }
            offset += n
        }
        self.marks = marks
    }

    /// Whether anything in the text disguises it.
    public var isDisguised: Bool { !marks.isEmpty }

    /// The text with every disguising character replaced by its visible stand-in.
    public var visible: String { Self.visible(text) }

    /// `text` with every disguising character replaced by its visible stand-in (newlines and tabs kept).
    public static func visible(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if let (_, shown) = classify(scalar) { out += shown } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// One sentence per kind of disguise found, for the escort: "contains a right-to-left
    /// override", "mixes Latin and Cyrillic letters"…
    public var warnings: [String] {
        var out: [String] = []
        func codes(_ kind: Kind) -> String {
            var seen: [String] = []
            for m in marks where m.kind == kind {
                let code = "U+" + String(m.scalar.value, radix: 16, uppercase: true).leftPadded(4)
                if !seen.contains(code) { seen.append(code) }
            }
            return seen.prefix(4).joined(separator: ", ")
        }
        if marks.contains(where: { $0.kind == .control }) {
            out.append("The command contains control characters (\(codes(.control))) that can move the cursor or rewrite what a terminal shows.")
        }
        if marks.contains(where: { $0.scalar.value == 0x202E }) {
            out.append("The command contains a right-to-left override (U+202E): the text after it is shown reversed.")
        } else if marks.contains(where: { $0.kind == .bidi }) {
            out.append("The command contains bidirectional formatting characters (\(codes(.bidi))) that change the order text is shown in.")
        }
        if marks.contains(where: { $0.kind == .invisible }) {
            out.append("The command contains zero-width characters (\(codes(.invisible))) that are not shown.")
        }
        let scripts = Set(marks.filter { $0.kind == .lookalike }.map { Self.script($0.scalar) })
        if !scripts.isEmpty {
            let names = scripts.sorted().joined(separator: " and ")
            let latin = text.unicodeScalars.contains { ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
            out.append(latin
                ? "The command mixes Latin and \(names) letters (\(codes(.lookalike))) that look alike."
                : "The command contains \(names) letters (\(codes(.lookalike))) that look like Latin ones.")
        }
        return out
    }

    static let named: [UInt32: String] = [
        0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0B: "VT", 0x0C: "FF", 0x0D: "CR", 0x1B: "ESC", 0x7F: "DEL", 0x9B: "CSI", 0x9D: "OSC",
        0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
        0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2066: "LEFT-TO-RIGHT ISOLATE",
        0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE",
        0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK", 0x061C: "ARABIC LETTER MARK",
        0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER", 0x200D: "ZERO WIDTH JOINER", 0x2060: "WORD JOINER",
        0xFEFF: "ZERO WIDTH NO-BREAK SPACE", 0x00AD: "SOFT HYPHEN", 0x180E: "MONGOLIAN VOWEL SEPARATOR",
    ]

    static func classify(_ s: Unicode.Scalar) -> (Kind, String)? {
        let v = s.value
        let code = "U+" + String(v, radix: 16, uppercase: true).leftPadded(4)
        switch v {
        case 0x0A, 0x09:
            return nil
        case 0x00...0x1F, 0x7F...0x9F:
            return (.control, "⟨\(named[v] ?? code)⟩")
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C:
            return (.bidi, "⟨\(code) \(named[v] ?? "")⟩")
        case 0x200B...0x200D, 0x2060...0x2064, 0xFEFF, 0x00AD, 0x180E:
            return (.invisible, "⟨\(code)\(named[v].map { " " + $0 } ?? "")⟩")
        case 0x0370...0x03FF, 0x0400...0x052F, 0x0531...0x058F, 0x13A0...0x13FF, 0xFF01...0xFF5E, 0x1D400...0x1D7FF:
            guard s.properties.isAlphabetic || (0xFF01...0xFF5E).contains(v) else { return nil }
            return (.lookalike, "⟨\(script(s)) \(String(s)) \(code)⟩")
        default:
            return nil
        }
    }

    static func script(_ s: Unicode.Scalar) -> String {
        switch s.value {
        case 0x0370...0x03FF: "Greek"
        case 0x0400...0x052F: "Cyrillic"
        case 0x0531...0x058F: "Armenian"
        case 0x13A0...0x13FF: "Cherokee"
        case 0xFF01...0xFF5E: "fullwidth"
        default: "mathematical"
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
