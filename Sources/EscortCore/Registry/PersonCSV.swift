/// Reads people from CSV for `escort person import`.
///
/// The header names the columns, in any order:
/// `name,display_name,employer,contractor,citizenships,residence,location,clearance,roles,escort_training_expires,keys`.
/// The last two may be omitted or empty. Lists (`citizenships`, `roles`, `keys`) separate their
/// items with `;`: `US;GB`, `engineer;escort`, `ssh-ed25519 AAAA… a@x;ssh-ed25519 AAAA… a@y`.
public enum PersonCSV {
    /// The columns, required ones first.
    public static let requiredColumns = [
        "name", "display_name", "employer", "contractor", "citizenships", "residence", "location", "clearance", "roles",
    ]
    public static let optionalColumns = ["escort_training_expires", "keys"]

    /// Every person in `text`, validated. Nothing is returned unless every row is good.
    ///
    /// - Throws: ``RegistryError`` whose message starts with the line and names the field.
    public static func parse(_ text: String) throws(RegistryError) -> [Person] {
        let rows = try CSV.rows(text)
        guard let header = rows.first else { throw RegistryError(.invalidCSV, "the file is empty (it needs a header line)") }
        let names = header.fields.map { $0.trimmingASCIIWhitespace().lowercased() }
        var column: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            guard requiredColumns.contains(n) || optionalColumns.contains(n) else {
                throw RegistryError(
                    .invalidCSV,
                    "line 1: unknown column \"\(n)\" (columns: \((requiredColumns + optionalColumns).joined(separator: ",")))",
                    field: n)
            }
            guard column[n] == nil else { throw RegistryError(.invalidCSV, "line 1: column \"\(n)\" appears twice", field: n) }
            column[n] = i
        }
        for n in requiredColumns where column[n] == nil {
            throw RegistryError(.invalidCSV, "line 1: the header has no \"\(n)\" column", field: n)
        }
        var people: [Person] = []
        var seen: [String: Int] = [:]
        for row in rows.dropFirst() {
            do throws(RegistryError) {
                guard row.fields.count == names.count else {
                    throw RegistryError(.invalidCSV, "has \(row.fields.count) fields, the header has \(names.count)")
                }
                let person = try person(row.fields, column)
                if let first = seen[person.name] {
                    throw RegistryError(.invalidField, "\(person.name) is also on line \(first)", field: "name")
                }
                seen[person.name] = row.line
                people.append(person)
            } catch {
                throw error.prefixed("line \(row.line)" + (error.field.map { ", field \($0)" } ?? ""))
            }
        }
        return people
    }

    private static func person(_ fields: [String], _ column: [String: Int]) throws(RegistryError) -> Person {
        func value(_ name: String) -> String { column[name].map { fields[$0].trimmingASCIIWhitespace() } ?? "" }
        func list(_ name: String) -> [String] {
            value(name).split(separator: ";").map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
        }
        func country(_ text: String, _ field: String) throws(RegistryError) -> CountryCode {
            do { return try CountryCode(validating: text) } catch {
                throw RegistryError(error.code, error.message, field: field)
            }
        }
        var citizenships: [CountryCode] = []
        for c in list("citizenships") { citizenships.append(try country(c, "citizenships")) }
        var roles = Set<Role>()
        for r in list("roles") {
            do { roles.insert(try Role(validating: r)) } catch { throw RegistryError(error.code, error.message, field: "roles") }
        }
        guard !roles.isEmpty else { throw RegistryError(.invalidField, "no role given", field: "roles") }
        var keys: [SSHPublicKey] = []
        for k in list("keys") {
            do { keys.append(try SSHPublicKey.parse(authorizedKeysLine: k)) } catch {
                throw RegistryError(error.code, error.message, field: "keys")
            }
        }
        let training = value("escort_training_expires")
        let clearance: Clearance
        do { clearance = try Clearance(validating: value("clearance")) } catch {
            throw RegistryError(error.code, error.message, field: "clearance")
        }
        return try Person(
            name: value("name"), displayName: value("display_name"), employer: value("employer"),
            contractor: value("contractor"), citizenships: citizenships,
            residence: try country(value("residence"), "residence"), location: try country(value("location"), "location"),
            clearance: clearance, roles: roles,
            escortTrainingExpires: training.isEmpty ? nil : try RegistryDate.parse(training, field: "escort_training_expires"),
            keys: keys
        ).validated()
    }
}
