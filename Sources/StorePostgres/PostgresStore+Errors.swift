import PostgresNIO
import Store

extension PostgresStore {
    /// SQLSTATE codes the store tells apart.
    enum SQLState {
        static let uniqueViolation = "23505"
        static let foreignKeyViolation = "23503"
        static let undefinedTable = "42P01"
        static let invalidCatalog = "3D000"
        static let invalidPassword = "28P01"
        static let invalidAuthorization = "28000"
    }

    /// The SQLSTATE of a server error, if `error` is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// `error` as a ``StoreError`` naming the store by `location` (never the password: postgres-nio's
    /// own descriptions are generic, and only the server's message and the connection's failure are
    /// repeated here).
    static func storeError(_ error: any Error, _ location: String) -> any Error {
        if error is StoreError { return error }
        if let e = error as? PSQLError {
            if let info = e.serverInfo, let state = info[.sqlState] {
                let message = [info[.message], info[.detail]].compactMap { $0 }.joined(separator: ": ")
                switch state {
                case SQLState.uniqueViolation:
                    return StoreError(.duplicate, "\(location): \(message)")
                case SQLState.foreignKeyViolation:
                    return StoreError(.missing, "\(location): \(message)")
                case SQLState.invalidCatalog:
                    return StoreError(.notFound, "\(location): \(message); create the database first")
                case SQLState.undefinedTable:
                    return StoreError(.notFound, "\(location) holds no Escort schema (\(message)); open it with migrations to add one")
                case SQLState.invalidPassword, SQLState.invalidAuthorization:
                    return StoreError(.io, "\(location): the server refused the user (\(message))")
                default:
                    return StoreError(.io, "\(location): \(message) (SQLSTATE \(state))")
                }
            }
            let cause = e.underlying.map { ": \($0)" } ?? ""
            return StoreError(.io, "\(location): \(e.code)\(cause)")
        }
        if error is PostgresDecodingError {
            return StoreError(.badRow, "\(location): a row holds a value of the wrong type")
        }
        return StoreError(.io, "\(location): \(error)")
    }
}
