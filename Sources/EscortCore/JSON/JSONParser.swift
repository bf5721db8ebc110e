/// A strict RFC 8259 JSON reader over bytes.
///
/// It never traps on input: every malformed document gives a ``JSONError`` with the offset.
/// Besides whole-document parsing it can list the members of a top-level object with the
/// exact byte range of each value, which lets callers hash or re-emit a nested value verbatim
/// and decode only the members they need.
public struct JSONParser {
    /// The deepest nesting accepted.
    public static let maximumDepth = 64

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index: Int = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Parses one complete JSON document (surrounding whitespace allowed).
    public static func parse(_ input: some Collection<UInt8>) throws(JSONError) -> JSONValue {
        let array = Array(input)
        return try array.withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSONValue in
            var p = JSONParser(buffer)
            p.skipWhitespace()
            let v = try p.value(depth: 0)
            p.skipWhitespace()
            guard p.index == buffer.count else { throw JSONError(.trailingData, "unexpected data after the JSON value", at: p.index) }
            return v
        }
    }

    /// Parses a document that must be in Escort's canonical form (see ``JSONValue/canonicalBytes()``).
    public static func parseCanonical(_ input: [UInt8]) throws(JSONError) -> JSONValue {
        let v = try parse(input)
        guard try v.canonicalBytes() == input else {
            throw JSONError(.notCanonical, "the JSON is well-formed but not in canonical form", at: 0)
        }
        return v
    }

    /// One member of a top-level object: its key and the byte range of its value.
    public struct Member: Sendable, Hashable {
        public var key: String
        public var valueRange: Range<Int>
    }

    /// Lists the members of the object that makes up the whole of `input`, validating
    /// every value without building it. Duplicate keys are an error.
    public static func members(ofObject input: [UInt8]) throws(JSONError) -> [Member] {
        try input.withUnsafeBufferPointer { (buffer) throws(JSONError) -> [Member] in
            var p = JSONParser(buffer)
            p.skipWhitespace()
            try p.expect(UInt8(ascii: "{"))
            var result: [Member] = []
            p.skipWhitespace()
            if try p.peek() == UInt8(ascii: "}") {
                p.index += 1
            } else {
                while true {
                    p.skipWhitespace()
                    let keyStart = p.index
                    let key = try p.string()
                    if result.contains(where: { $0.key == key }) {
                        throw JSONError(.duplicateKey, "duplicate key \"\(key)\"", at: keyStart)
                    }
                    p.skipWhitespace()
                    try p.expect(UInt8(ascii: ":"))
                    p.skipWhitespace()
                    let start = p.index
                    try p.skipValue(depth: 1)
                    result.append(Member(key: key, valueRange: start..<p.index))
                    p.skipWhitespace()
                    let c = try p.next()
                    if c == UInt8(ascii: "}") { break }
                    guard c == UInt8(ascii: ",") else { throw JSONError(.unexpectedByte, "expected ',' or '}' in object", at: p.index - 1) }
                }
            }
            p.skipWhitespace()
            guard p.index == buffer.count else { throw JSONError(.trailingData, "unexpected data after the JSON object", at: p.index) }
            return result
        }
    }

    /// Like ``members(ofObject:)`` but without building strings: calls `body` with each key's raw
    /// bytes (between the quotes, escapes not decoded) and the byte range of its value.
    /// Duplicate raw keys are an error.
    public static func scanMembers(
        ofObject input: [UInt8], _ body: (_ key: UnsafeBufferPointer<UInt8>, _ valueRange: Range<Int>) -> Void
    ) throws(JSONError) {
        try input.withUnsafeBufferPointer { (buffer) throws(JSONError) -> Void in
            var p = JSONParser(buffer)
            var keys: [Range<Int>] = []
            p.skipWhitespace()
            try p.expect(UInt8(ascii: "{"))
            p.skipWhitespace()
            if try p.peek() == UInt8(ascii: "}") {
                p.index += 1
            } else {
                while true {
                    p.skipWhitespace()
                    guard try p.peek() == UInt8(ascii: "\"") else { throw JSONError(.unexpectedByte, "expected a string key", at: p.index) }
                    let keyStart = p.index + 1
                    try p.skipString()
                    let key = keyStart..<(p.index - 1)
                    let keyBytes = UnsafeBufferPointer(rebasing: buffer[key])
                    for k in keys where k.count == key.count && UnsafeBufferPointer(rebasing: buffer[k]).elementsEqual(keyBytes) {
                        throw JSONError(.duplicateKey, "duplicate key", at: keyStart)
                    }
                    keys.append(key)
                    p.skipWhitespace()
                    try p.expect(UInt8(ascii: ":"))
                    p.skipWhitespace()
                    let start = p.index
                    try p.skipValue(depth: 1)
                    body(keyBytes, start..<p.index)
                    p.skipWhitespace()
                    let c = try p.next()
                    if c == UInt8(ascii: "}") { break }
                    guard c == UInt8(ascii: ",") else { throw JSONError(.unexpectedByte, "expected ',' or '}' in object", at: p.index - 1) }
                }
            }
            p.skipWhitespace()
            guard p.index == buffer.count else { throw JSONError(.trailingData, "unexpected data after the JSON object", at: p.index) }
        }
    }

    // MARK: - Scanning

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func peek() throws(JSONError) -> UInt8 {
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, "unexpected end of input", at: index) }
        return bytes[index]
    }

    private mutating func next() throws(JSONError) -> UInt8 {
        let c = try peek()
        index += 1
        return c
    }

    private mutating func expect(_ c: UInt8) throws(JSONError) {
        let got = try next()
        guard got == c else {
            throw JSONError(.unexpectedByte, "expected '\(Character(Unicode.Scalar(c)))'", at: index - 1)
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONError) {
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for c in w { try expect(c) }
    }

    // MARK: - Values

    private mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard depth < Self.maximumDepth else { throw JSONError(.tooDeep, "nested more than \(Self.maximumDepth) levels", at: index) }
        switch try peek() {
        case UInt8(ascii: "{"):
            index += 1
            var object: [String: JSONValue] = [:]
            skipWhitespace()
            if try peek() == UInt8(ascii: "}") { index += 1; return .object(object) }
            while true {
                skipWhitespace()
                let keyStart = index
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                let v = try value(depth: depth + 1)
                if object.updateValue(v, forKey: key) != nil {
                    throw JSONError(.duplicateKey, "duplicate key \"\(key)\"", at: keyStart)
                }
                skipWhitespace()
                let c = try next()
                if c == UInt8(ascii: "}") { return .object(object) }
                guard c == UInt8(ascii: ",") else { throw JSONError(.unexpectedByte, "expected ',' or '}' in object", at: index - 1) }
            }
        case UInt8(ascii: "["):
            index += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if try peek() == UInt8(ascii: "]") { index += 1; return .array(array) }
            while true {
                skipWhitespace()
                array.append(try value(depth: depth + 1))
                skipWhitespace()
                let c = try next()
                if c == UInt8(ascii: "]") { return .array(array) }
                guard c == UInt8(ascii: ",") else { throw JSONError(.unexpectedByte, "expected ',' or ']' in array", at: index - 1) }
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    private mutating func skipValue(depth: Int) throws(JSONError) {
        guard depth < Self.maximumDepth else { throw JSONError(.tooDeep, "nested more than \(Self.maximumDepth) levels", at: index) }
        switch try peek() {
        case UInt8(ascii: "{"):
            index += 1
            skipWhitespace()
            if try peek() == UInt8(ascii: "}") { index += 1; return }
            while true {
                skipWhitespace()
                guard try peek() == UInt8(ascii: "\"") else { throw JSONError(.unexpectedByte, "expected a string key", at: index) }
                try skipString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                let c = try next()
                if c == UInt8(ascii: "}") { return }
                guard c == UInt8(ascii: ",") else { throw JSONError(.unexpectedByte, "expected ',' or '}' in object", at: index - 1) }
            }
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if try peek() == UInt8(ascii: "]") { index += 1; return }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                let c = try next()
                if c == UInt8(ascii: "]") { return }
                guard c == UInt8(ascii: ",") else { throw JSONError(.unexpectedByte, "expected ',' or ']' in array", at: index - 1) }
            }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try number()
        }
    }

    /// Validates a string without building it. (Duplicate keys inside skipped objects are not
    /// detected; values that are decoded are checked by ``value(depth:)``.)
    private mutating func skipString() throws(JSONError) {
        let open = index
        try expect(UInt8(ascii: "\""))
        let start = index
        var ascii = true
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                if !ascii, String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) == nil {
                    throw JSONError(.invalidString, "string is not valid UTF-8", at: start)
                }
                index += 1
                return
            }
            if c < 0x20 { throw JSONError(.invalidString, "unescaped control character in string", at: index) }
            if c >= 0x80 { ascii = false }
            if c == UInt8(ascii: "\\") {
                // Let the full decoder check escapes.
                index = open
                _ = try string()
                return
            }
            index += 1
        }
        throw JSONError(.unexpectedEnd, "unterminated string", at: open)
    }

    private mutating func number() throws(JSONError) -> JSONValue {
        let start = index
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, "unexpected end of input in a number", at: index) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if (0x31...0x39).contains(bytes[index]) {
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
        } else {
            throw JSONError(.unexpectedByte, "expected a JSON value", at: index)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let digits = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            guard index > digits else { throw JSONError(.invalidNumber, "expected digits after '.'", at: index) }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digits = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            guard index > digits else { throw JSONError(.invalidNumber, "expected digits in the exponent", at: index) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let i = Int64(text) { return .integer(i) }
        guard let d = Double(text), d.isFinite else { throw JSONError(.invalidNumber, "number out of range", at: start) }
        return .float(d)
    }

    private mutating func string() throws(JSONError) -> String {
        let open = index
        try expect(UInt8(ascii: "\""))
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw JSONError(.invalidString, "string is not valid UTF-8", at: start)
                }
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw JSONError(.invalidString, "unescaped control character in string", at: index) }
            index += 1
        }
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, "unterminated string", at: open) }
        // Slow path with escapes.
        var out: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            let c = try next()
            switch c {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw JSONError(.invalidString, "string is not valid UTF-8", at: start)
                }
                return s
            case UInt8(ascii: "\\"):
                let e = try next()
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard try next() == UInt8(ascii: "\\"), try next() == UInt8(ascii: "u") else {
                            throw JSONError(.invalidString, "unpaired surrogate", at: index)
                        }
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw JSONError(.invalidString, "unpaired surrogate", at: index) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw JSONError(.invalidString, "invalid \\u escape", at: index) }
                    out.append(contentsOf: String(Character(u)).utf8)
                default:
                    throw JSONError(.invalidString, "invalid escape", at: index - 1)
                }
            default:
                if c < 0x20 { throw JSONError(.invalidString, "unescaped control character in string", at: index - 1) }
                out.append(c)
            }
        }
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = try next()
            guard let d = Hex.value(c) else { throw JSONError(.invalidString, "invalid \\u escape", at: index - 1) }
            v = v << 4 | UInt32(d)
        }
        return v
    }
}
