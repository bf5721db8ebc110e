import Foundation

// The loaders: the only file reading in this module. The evaluator never calls them.

extension PolicyDocument {
    /// Reads and parses the policy file at `path`.
    public static func load(path: String) throws(PolicyError) -> PolicyDocument {
        try parse(toml: try readText(path, what: "policy file"))
    }

    /// The policy shipped with Escort (`Sources/Policy/Resources/default-policy.toml`).
    public static func bundledDefault() throws(PolicyError) -> PolicyDocument {
        try parse(toml: try bundledText("default-policy.toml"))
    }

    /// The text of the policy shipped with Escort (reports state its SHA-256).
    public static func bundledDefaultText() throws(PolicyError) -> String {
        try bundledText("default-policy.toml")
    }
}

extension IPCountryTable {
    /// Reads and parses an IP-to-country CSV.
    public static func load(path: String) throws(PolicyError) -> IPCountryTable {
        try parse(csv: try readText(path, what: "IP-to-country table"))
    }

    /// The small test table shipped with Escort: documentation (TEST-NET) ranges mapped to a
    /// few countries, including a country of concern. Not for production.
    public static func bundledTest() throws(PolicyError) -> IPCountryTable {
        try parse(csv: try bundledText("ip-countries-test.csv"))
    }
}

private func readText(_ path: String, what: String) throws(PolicyError) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw PolicyError(.unreadable, "cannot read the \(what) \(path)")
    }
    return String(decoding: data, as: UTF8.self)
}

private func bundledText(_ name: String) throws(PolicyError) -> String {
    let candidates = [Bundle.module.resourceURL, Bundle.module.resourceURL?.appendingPathComponent("Resources")].compactMap { $0 }
    for dir in candidates {
        let path = dir.appendingPathComponent(name).path
        if FileManager.default.fileExists(atPath: path) { return try readText(path, what: "bundled \(name)") }
    }
    throw PolicyError(.unreadable, "the bundled \(name) is missing (a packaging error)")
}
