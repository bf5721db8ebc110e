import Foundation

/// Country names beside ISO 3166 codes, in English (from Foundation's locale data), so a reader
/// need not know that `KP` is North Korea.
enum CountryNames {
    private static let english = Locale(identifier: "en_US")

    /// Where the locale data's name is not the one a reviewer expects (ICU says "China mainland").
    private static let plain = ["CN": "China"]

    /// The English name of `code`, or nil for a code the locale data does not know.
    static func name(_ code: String) -> String? {
        if let n = plain[code.uppercased()] { return n }
        guard code.count == 2, let n = english.localizedString(forRegionCode: code.uppercased()), n != code.uppercased() else { return nil }
        return n
    }

    /// `CN (China)`, or the code alone when it has no name.
    static func label(_ code: String) -> String {
        name(code).map { "\(code) (\($0))" } ?? code
    }
}
