/// The syntax shared by login names and target names: `^[a-z][a-z0-9._-]{0,31}$`.
///
/// No `+` (the gateway reads `alice+db1` as person `alice`, target `db1`), no upper case, no
/// spaces: names appear in SSH user names, audit records and file names.
public enum LoginName {
    /// Whether `name` has the syntax.
    public static func isValid(_ name: String) -> Bool {
        let u = Array(name.utf8)
        guard (1...32).contains(u.count), let f = u.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(f) else {
            return false
        }
        return u.allSatisfy { c in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }

    /// Throws ``RegistryError`` `.invalidName` unless `name` has the syntax.
    public static func check(_ name: String, field: String = "name") throws(RegistryError) {
        guard isValid(name) else {
            throw RegistryError(
                .invalidName,
                "invalid \(field) \"\(name)\": use 1-32 characters, a lower-case letter first, then a-z, 0-9, '.', '_' or '-' (no '+')",
                field: field)
        }
    }
}
