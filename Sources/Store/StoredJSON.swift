import Foundation

/// How every backend writes a registry value (a `Person`, a `Target`) into its `body` column and
/// reads it back: JSON with sorted keys and dates as Unix seconds, so a row means the same thing
/// whichever store wrote it.
public enum StoredJSON {
    /// The value as JSON text.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    /// The value read from `body`; a body that does not decode is ``StoreError/Code/badRow``
    /// naming `what` (e.g. `person`).
    public static func decode<T: Decodable>(_ type: T.Type, _ body: String, _ what: String) throws -> T {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        do { return try d.decode(type, from: Data(body.utf8)) } catch {
            throw StoreError(.badRow, "a stored \(what) cannot be read: \(error)")
        }
    }
}
