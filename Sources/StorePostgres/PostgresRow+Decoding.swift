import PostgresNIO
import Store

/// `row`'s columns decoded as `types`; a mistyped column is ``StoreError`` `.badRow` naming it.
func decoded<each C: PostgresDecodable>(_ row: PostgresRow, _ types: (repeat each C).Type) throws -> (repeat each C) {
    do {
        return try row.decode(types)
    } catch let e as PostgresDecodingError {
        throw StoreError(.badRow, "column \(e.columnName) is not a \(e.targetType)")
    }
}

/// `row`'s one column decoded as `type` (postgres-nio decodes a one-column row apart from a tuple).
func decoded<C: PostgresDecodable>(_ row: PostgresRow, _ type: C.Type) throws -> C {
    do {
        return try row.decode(type)
    } catch let e as PostgresDecodingError {
        throw StoreError(.badRow, "column \(e.columnName) is not a \(e.targetType)")
    }
}
