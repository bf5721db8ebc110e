/// Byte classes used by the lexer.
enum Byte {
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let semicolon = UInt8(ascii: ";")
    static let ampersand = UInt8(ascii: "&")
    static let pipe = UInt8(ascii: "|")
    static let openParen = UInt8(ascii: "(")
    static let closeParen = UInt8(ascii: ")")
    static let less = UInt8(ascii: "<")
    static let greater = UInt8(ascii: ">")
    static let backslash = UInt8(ascii: "\\")
    static let singleQuote = UInt8(ascii: "'")
    static let doubleQuote = UInt8(ascii: "\"")
    static let backquote = UInt8(ascii: "`")
    static let dollar = UInt8(ascii: "$")
    static let hash = UInt8(ascii: "#")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let equals = UInt8(ascii: "=")

    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == space || b == tab || b == carriageReturn }

    /// Characters that end an unquoted word.
    @inline(__always) static func isMeta(_ b: UInt8) -> Bool {
        switch b {
        case space, tab, newline, semicolon, ampersand, pipe, openParen, closeParen, less, greater: true
        default: false
        }
    }

    @inline(__always) static func isNameStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F
    }

    @inline(__always) static func isNameChar(_ b: UInt8) -> Bool { isNameStart(b) || isDigit(b) }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Special parameters: `$@ $* $# $? $- $$ $! $0`.
    @inline(__always) static func isSpecialParameter(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "@"), UInt8(ascii: "*"), hash, UInt8(ascii: "?"), UInt8(ascii: "-"), dollar,
            UInt8(ascii: "!"):
            true
        default: false
        }
    }
}
