import Foundation

/// A person's security clearance, ordered from none to TS/SCI.
public enum Clearance: String, CaseIterable, Comparable, Sendable, Codable {
    case none
    case publicTrust = "public-trust"
    case confidential
    case secret
    case topSecret = "top-secret"
    case tsSCI = "ts-sci"

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: Clearance, rhs: Clearance) -> Bool { lhs.rank < rhs.rank }

    /// Parses a clearance name (`secret`, `Top-Secret`, `ts_sci`).
    ///
    /// - Throws: ``RegistryError`` `.unknownClearance` naming the accepted values.
    public init(validating text: String) throws(RegistryError) {
        let t = text.trimmingASCIIWhitespace().lowercased().replacingOccurrences(of: "_", with: "-")
        guard let c = Clearance(rawValue: t) else {
            throw RegistryError(
                .unknownClearance,
                "unknown clearance \"\(text)\" (use one of: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))",
                field: "clearance")
        }
        self = c
    }
}
