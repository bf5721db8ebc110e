import EscortCore

/// A set of countries in a rule: ISO codes, and perhaps the document's countries of concern
/// (written `"countries_of_concern"` in the list, so the concern list stays in one place).
public struct CountrySet: Sendable, Hashable {
    /// The word in a country list that stands for every country of concern.
    public static let concernToken = "countries_of_concern"

    public var countries: Set<CountryCode> = []
    public var includesCountriesOfConcern = false

    public init(countries: Set<CountryCode> = [], includesCountriesOfConcern: Bool = false) {
        self.countries = countries
        self.includesCountriesOfConcern = includesCountriesOfConcern
    }

    /// Whether `country` is in the set, given the document's concern list.
    func contains(_ country: CountryCode, concern: Set<CountryCode>) -> Bool {
        countries.contains(country) || (includesCountriesOfConcern && concern.contains(country))
    }

    /// `US`, `US or GB`, `a country of concern`, `GB or a country of concern`.
    var phrase: String {
        var parts = countries.sorted().map(\.code)
        if includesCountriesOfConcern { parts.append("a country of concern") }
        switch parts.count {
        case 0: return "no country"
        case 1: return parts[0]
        default: return parts.dropLast().joined(separator: ", ") + " or " + parts[parts.count - 1]
        }
    }
}
