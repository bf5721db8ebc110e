import EscortCore

/// Reads one TOML table field by field, naming the key path in every error, and refuses keys
/// it was not asked for (so a typo such as `min_clearence` is an error, not a silent default).
struct TableReader {
    let path: String
    private let table: [String: TOMLNode]
    private var used: Set<String> = []

    init(_ table: [String: TOMLNode], path: String) {
        self.table = table
        self.path = path
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func node(_ key: String) -> TOMLNode? {
        used.insert(key)
        return table[key]
    }

    var keys: [String] { table.keys.sorted() }

    func wrongType(_ key: String, _ node: TOMLNode, want: String) -> PolicyError {
        PolicyError(.wrongType, "must be \(want), not \(node.typeName)", field: keyPath(key))
    }

    mutating func string(_ key: String) throws(PolicyError) -> String? {
        guard let n = node(key) else { return nil }
        guard case .string(let s) = n else { throw wrongType(key, n, want: "a string") }
        return s
    }

    mutating func requiredString(_ key: String) throws(PolicyError) -> String {
        guard let s = try string(key) else { throw PolicyError(.missingField, "is required", field: keyPath(key)) }
        return s
    }

    mutating func bool(_ key: String) throws(PolicyError) -> Bool? {
        guard let n = node(key) else { return nil }
        guard case .bool(let b) = n else { throw wrongType(key, n, want: "true or false") }
        return b
    }

    mutating func integer(_ key: String) throws(PolicyError) -> Int? {
        guard let n = node(key) else { return nil }
        guard case .integer(let i) = n else { throw wrongType(key, n, want: "an integer") }
        return i
    }

    mutating func strings(_ key: String) throws(PolicyError) -> [String]? {
        guard let n = node(key) else { return nil }
        guard case .array(let items) = n else { throw wrongType(key, n, want: "a list of strings") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else {
                throw PolicyError(.wrongType, "must be a string, not \(item.typeName)", field: "\(keyPath(key))[\(i)]")
            }
            out.append(s)
        }
        return out
    }

    mutating func table(_ key: String) throws(PolicyError) -> TableReader? {
        guard let n = node(key) else { return nil }
        guard case .table(let t) = n else { throw wrongType(key, n, want: "a table") }
        return TableReader(t, path: keyPath(key))
    }

    /// An array of tables (`[[access]]`), each with its index in the path (`access[0]`).
    mutating func tables(_ key: String) throws(PolicyError) -> [TableReader] {
        guard let n = node(key) else { return [] }
        guard case .array(let items) = n else { throw wrongType(key, n, want: "a list of tables ([[\(key)]])") }
        var out: [TableReader] = []
        for (i, item) in items.enumerated() {
            guard case .table(let t) = item else {
                throw PolicyError(.wrongType, "must be a table, not \(item.typeName)", field: "\(keyPath(key))[\(i)]")
            }
            out.append(TableReader(t, path: "\(keyPath(key))[\(i)]"))
        }
        return out
    }

    /// Throws for the first key nobody asked for.
    func finish(allowed: [String]? = nil) throws(PolicyError) {
        for key in table.keys.sorted() where !used.contains(key) {
            let known = allowed.map { " (known keys here: \($0.joined(separator: ", ")))" } ?? ""
            throw PolicyError(.unknownKey, "unknown key \"\(key)\"\(known)", field: keyPath(key))
        }
    }

    // MARK: - Typed values

    mutating func countrySet(_ key: String) throws(PolicyError) -> CountrySet? {
        guard let items = try strings(key) else { return nil }
        var set = CountrySet()
        for (i, s) in items.enumerated() {
            if s == CountrySet.concernToken {
                set.includesCountriesOfConcern = true
                continue
            }
            do { set.countries.insert(try CountryCode(validating: s)) } catch {
                throw PolicyError(.unknownCountry, error.message, field: "\(keyPath(key))[\(i)]")
            }
        }
        return set
    }

    mutating func levels(_ key: String) throws(PolicyError) -> Set<ImpactLevel> {
        guard let items = try strings(key) else { throw PolicyError(.missingField, "is required (e.g. [\"IL5\", \"IL6\"])", field: keyPath(key)) }
        var out = Set<ImpactLevel>()
        for (i, s) in items.enumerated() {
            guard let l = ImpactLevel(parsing: s) else {
                throw PolicyError(
                    .unknownImpactLevel,
                    "unknown impact level \"\(s)\" (use one of: \(ImpactLevel.allCases.map(\.rawValue).joined(separator: ", ")))",
                    field: "\(keyPath(key))[\(i)]")
            }
            out.insert(l)
        }
        guard !out.isEmpty else { throw PolicyError(.invalidValue, "lists no impact level", field: keyPath(key)) }
        return out
    }

    mutating func impactLevel(_ key: String) throws(PolicyError) -> ImpactLevel? {
        guard let s = try string(key) else { return nil }
        guard let l = ImpactLevel(parsing: s) else {
            throw PolicyError(
                .unknownImpactLevel,
                "unknown impact level \"\(s)\" (use one of: \(ImpactLevel.allCases.map(\.rawValue).joined(separator: ", ")))",
                field: keyPath(key))
        }
        return l
    }
}
