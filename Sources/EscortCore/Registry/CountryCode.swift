/// An ISO 3166-1 alpha-2 country code such as `US`, `GB` or `CN`, checked against the full
/// official list (see ``ISO3166``). Encoded as its two-letter string.
public struct CountryCode: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The two upper-case letters.
    public let code: String

    /// Accepts any letter case and surrounding spaces (`us`, ` GB`).
    ///
    /// - Throws: ``RegistryError`` `.unknownCountry` for anything not on the official list.
    public init(validating text: String) throws(RegistryError) {
        let t = text.trimmingASCIIWhitespace().uppercased()
        guard ISO3166.names[t] != nil else {
            throw RegistryError(
                .unknownCountry,
                "unknown country code \"\(text)\" (use ISO 3166-1 alpha-2, e.g. US, GB, CN)",
                field: "country")
        }
        code = t
    }

    /// For literals known to be valid (tests, defaults). Traps on a bad code: never use on input.
    public init(_ literal: StaticString) {
        do { try self.init(validating: "\(literal)") } catch { preconditionFailure("\(error)") }
    }

    /// The usual English name, e.g. `China` for `CN`.
    public var name: String { ISO3166.names[code] ?? code }

    /// Every officially assigned code, sorted.
    public static var all: [CountryCode] {
        ISO3166.names.keys.sorted().map { CountryCode(unchecked: $0) }
    }

    private init(unchecked code: String) { self.code = code }

    public var description: String { code }

    public static func < (lhs: CountryCode, rhs: CountryCode) -> Bool { lhs.code < rhs.code }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(validating: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(code)
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, carriage returns and newlines.
    package func trimmingASCIIWhitespace() -> String {
        let ws: Set<Character> = [" ", "\t", "\r", "\n"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s.removeFirst() }
        while let l = s.last, ws.contains(l) { s.removeLast() }
        return String(s)
    }
}

extension CountryCode {
    /// Every officially assigned ISO 3166-1 alpha-2 code, in order.
    public static let allAssigned: [CountryCode] = ISO3166.names.keys.sorted().compactMap { try? CountryCode(validating: $0) }
}
