/// SQL and the data-store commands given to database clients (`psql -c`, `mysql -e`, `sqlite3 DB
/// SQL`, `sqlcmd -Q`, `clickhouse-client -q`, `cqlsh -e`, here-documents and standard input;
/// `redis-cli` commands; `mongosh --eval`), read as statements and judged by what they do: reads
/// stay low, changes medium, destruction (DROP, TRUNCATE, DELETE or UPDATE without WHERE, FLUSHALL,
/// dropDatabase) high T1485, grants and new logins high T1098, commands run by the server (COPY …
/// PROGRAM, xp_cmdshell, `\!`) high T1059, auditing switched off high T1562.001.
enum DatabaseStatements {
    /// One statement's effect.
    struct Verdict {
        var risk: RiskLevel
        var technique: String?
        var reason: String
    }

    static let sqlClients: [String: [String]] = [
        "psql": ["-c", "--command"], "mysql": ["-e", "--execute"], "mariadb": ["-e", "--execute"],
        "sqlcmd": ["-Q", "-q"], "clickhouse-client": ["-q", "--query"], "cqlsh": ["-e", "--execute"], "sqlite3": ["-cmd"],
    ]

    /// The verdicts on what `client` runs, or nil when what it runs is not known (an interactive
    /// session, a script file not in the input): the catalogue's rating then stands.
    static func judge(client: String, texts: [String], stdin: String?) -> [Verdict]? {
        if client == "redis-cli" { return redis(texts) }
        if client == "mongosh" || client == "mongo" {
            guard let i = texts.firstIndex(where: { $0 == "--eval" || $0.hasPrefix("--eval=") }) else { return stdin.map(mongo) }
            let code = texts[i].hasPrefix("--eval=") ? String(texts[i].dropFirst(7)) : (i + 1 < texts.count ? texts[i + 1] : "")
            return mongo(code)
        }
        guard let flags = sqlClients[client] else { return nil }
        var sql: [String] = []
        for (i, t) in texts.enumerated() {
            for f in flags {
                if t == f, i + 1 < texts.count { sql.append(texts[i + 1]) }
                if f.hasPrefix("--"), t.hasPrefix(f + "=") { sql.append(String(t.dropFirst(f.count + 1))) }
            }
        }
        if client == "sqlite3" {
            // `sqlite3 [OPTIONS] DB [SQL…]`: what follows the database file is SQL.
            let operands = texts.filter { !$0.hasPrefix("-") }
            if operands.count >= 2 { sql.append(contentsOf: operands.dropFirst()) }
        }
        if sql.isEmpty, let stdin { sql.append(stdin) }
        guard !sql.isEmpty else { return nil }
        return sql.flatMap(statements).map(classify)
    }

    /// Statements split at `;` outside quotes, comments removed.
    static func statements(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quote: Character? = nil
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if let q = quote {
                current.append(c)
                if c == q { quote = nil }
                continue
            }
            if c == "'" || c == "\"" || c == "`" { quote = c; current.append(c); continue }
            if c == "-", chars.first == "-" { while let n = chars.first, n != "\n" { chars.removeFirst() }; continue }
            if c == "/", chars.first == "*" {
                while !chars.isEmpty, !(chars.first == "*" && chars.dropFirst().first == "/") { chars.removeFirst() }
                chars = chars.dropFirst(2)
                continue
            }
            if c == ";" || (c == "\n" && current.trimmingCharacters(in: .whitespaces).hasPrefix("\\")) {
                out.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        out.append(current)
        return out.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty && $0.uppercased() != "GO" }
    }

    static func classify(_ statement: String) -> Verdict {
        let u = statement.uppercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let shown = "`\(statement.count > 80 ? String(statement.prefix(80)) + "…" : statement)`"
        func has(_ s: String) -> Bool { u.contains(s) }
        // What the server is made to run, in any statement.
        if has("XP_CMDSHELL") || has("SYS_EXEC(") || has("SYS_EVAL(") || (has("COPY ") && has(" PROGRAM ")) || u.hasPrefix("\\!") || u.hasPrefix(".SHELL") || u.hasPrefix(".SYSTEM") {
            return Verdict(risk: .high, technique: "T1059", reason: "Makes the database run operating-system commands (\(shown)): whoever can send statements then runs programs on the server.")
        }
        if has("PG_READ_FILE(") || has("PG_READ_BINARY_FILE(") || has("LOAD_FILE(") || has("LO_IMPORT(") || has("OPENROWSET(BULK") {
            return Verdict(risk: .high, technique: "T1005", reason: "Makes the database read files of the server (\(shown)).")
        }
        if (has("AUDIT") && (has("STATE = OFF") || has("STATE=OFF") || u.hasPrefix("DROP"))) || has("GENERAL_LOG = 'OFF'") || has("GENERAL_LOG=OFF") || has("GENERAL_LOG = OFF")
            || has("PGAUDIT.LOG = 'NONE'") || has("LOG_STATEMENT = 'NONE'") || has("SQL_LOG_OFF")
        {
            return Verdict(risk: .high, technique: "T1562.001", reason: "Turns off the database's auditing or logging (\(shown)): what is done next leaves no record.")
        }
        let first = u.split(separator: " ").first.map(String.init) ?? ""
        switch first {
        case "SELECT", "SHOW", "EXPLAIN", "DESCRIBE", "DESC", "VALUES", "TABLE", "\\D", "\\DT", "\\L", "\\DU", "\\DN", "\\DI", "\\X", "\\CONNINFO", "\\TIMING", "\\Q", ".TABLES", ".SCHEMA", ".DUMP", ".MODE", ".HEADERS", ".INDEXES", ".DATABASES", "BEGIN", "COMMIT", "ROLLBACK", "USE", "SET", "\\C", "\\CONNECT", "DBCC", "PRINT", "CHECKSUM", "ANALYZE":
            if has(" INTO OUTFILE") || has(" INTO DUMPFILE") {
                return Verdict(risk: .medium, technique: "T1005", reason: "Writes the result of \(shown) to a file on the database server.")
            }
            if first == "SELECT", has(" INTO ") { return Verdict(risk: .medium, technique: nil, reason: "Copies query results into a new table (\(shown)).") }
            return Verdict(risk: .low, technique: nil, reason: "Reads from the database (\(shown)); it changes nothing.")
        case "WITH":
            if has(" DELETE ") || has(" UPDATE ") || has(" INSERT ") { return Verdict(risk: .medium, technique: nil, reason: "Changes data in the database (\(shown)).") }
            return Verdict(risk: .low, technique: nil, reason: "Reads from the database (\(shown)); it changes nothing.")
        case "PRAGMA":
            return Verdict(risk: has("=") ? .medium : .low, technique: nil, reason: "Reads or sets a database setting (\(shown)).")
        case "DROP", "TRUNCATE":
            if has("DROP USER") || has("DROP LOGIN") || has("DROP ROLE") { return Verdict(risk: .high, technique: "T1531", reason: "Removes a database account (\(shown)): whoever used it is locked out.") }
            return Verdict(risk: .high, technique: "T1485", reason: "Destroys data in the database (\(shown)): it is gone unless there is a backup.")
        case "DELETE":
            if !has(" WHERE ") { return Verdict(risk: .high, technique: "T1485", reason: "Deletes every row of a table (\(shown), with no WHERE): the data is gone unless there is a backup.") }
            return Verdict(risk: .medium, technique: nil, reason: "Deletes rows from the database (\(shown)).")
        case "UPDATE":
            if !has(" WHERE ") { return Verdict(risk: .high, technique: "T1565.001", reason: "Overwrites a column in every row of a table (\(shown), with no WHERE).") }
            return Verdict(risk: .medium, technique: nil, reason: "Changes rows in the database (\(shown)).")
        case "GRANT", "REVOKE":
            return Verdict(risk: .high, technique: "T1098", reason: "Changes who may do what in the database (\(shown)).")
        case "CREATE", "ALTER":
            if has(" USER ") || has(" LOGIN ") || has(" ROLE ") || has("SUPERUSER") || has("SERVER ROLE") {
                return Verdict(risk: .high, technique: has("CREATE") ? "T1136" : "T1098", reason: "Creates or changes a database account (\(shown)).")
            }
            if first == "ALTER", has(" SYSTEM ") { return Verdict(risk: .medium, technique: nil, reason: "Changes the database server's settings (\(shown)).") }
            return Verdict(risk: .medium, technique: nil, reason: "Changes the database's structure (\(shown)).")
        case "EXEC", "EXECUTE":
            if has("SP_ADDSRVROLEMEMBER") || has("SP_ADDLOGIN") || has("SP_ADDUSER") || has("SP_ADDROLEMEMBER") || has("SP_GRANT") {
                return Verdict(risk: .high, technique: "T1098", reason: "Changes who may do what in the database (\(shown)).")
            }
            return Verdict(risk: .medium, technique: nil, reason: "Runs a stored procedure (\(shown)).")
        case "INSERT", "REPLACE", "MERGE", "UPSERT", "COPY", "\\COPY", "BACKUP", "RESTORE", "VACUUM", "REINDEX", "CLUSTER", "LOCK", "CALL", "DO", "LOAD", "IMPORT", "ATTACH", "DETACH", ".IMPORT", ".OUTPUT", ".ONCE", ".RESTORE", ".BACKUP", ".READ":
            return Verdict(risk: .medium, technique: nil, reason: "Changes data in the database or writes files (\(shown)).")
        default:
            return Verdict(risk: .medium, technique: nil, reason: "Runs \(shown), a statement Escort cannot classify: treat it as a change.")
        }
    }

    static func redis(_ texts: [String]) -> [Verdict]? {
        let valueOptions: Set<String> = ["-h", "-p", "-n", "-u", "-s", "-a", "--user", "--pass", "-r", "-i", "--rdb", "-x"]
        var words: [String] = []
        var i = 0
        while i < texts.count {
            let t = texts[i]
            if valueOptions.contains(t) { i += 2; continue }
            if t.hasPrefix("-") { i += 1; continue }
            words.append(t)
            i += 1
        }
        guard let verb = words.first?.uppercased() else { return nil }
        let shown = "`\(words.joined(separator: " ").prefix(80))`"
        switch verb {
        case "FLUSHALL", "FLUSHDB":
            return [Verdict(risk: .high, technique: "T1485", reason: "Deletes every key in the data store (\(shown)): the data is gone unless there is a backup.")]
        case "SHUTDOWN":
            return [Verdict(risk: .high, technique: "T1489", reason: "Shuts the data store down (\(shown)).")]
        case "REPLICAOF", "SLAVEOF", "MIGRATE":
            return [Verdict(risk: .high, technique: "T1048", reason: "Copies the data store's contents to another server (\(shown)).")]
        case "MODULE":
            return [Verdict(risk: .high, technique: "T1059", reason: "Loads code into the data store's server (\(shown)).")]
        case "CONFIG" where words.count > 1 && words[1].uppercased() == "SET":
            let setting = words.count > 2 ? words[2].lowercased() : ""
            let risky = ["dir", "dbfilename", "appendfilename", "logfile", "requirepass", "protected-mode"].contains(setting)
            return [Verdict(risk: risky ? .high : .medium, technique: risky ? "T1565.001" : nil, reason: "Changes the data store's setting `\(setting)`\(risky ? ", which decides where it writes files or who may connect" : "") (\(shown)).")]
        case "INFO", "PING", "GET", "MGET", "KEYS", "SCAN", "TTL", "PTTL", "TYPE", "DBSIZE", "EXISTS", "STRLEN", "LLEN", "LRANGE", "HGET", "HGETALL", "HKEYS", "HLEN", "SMEMBERS", "SCARD", "ZRANGE", "ZCARD", "XLEN", "XINFO", "MEMORY", "SLOWLOG", "LATENCY", "CLIENT", "MONITOR", "ROLE", "LASTSAVE", "TIME", "ECHO", "--STAT", "CONFIG":
            return [Verdict(risk: .low, technique: nil, reason: "Reads from the data store (\(shown)); it changes nothing.")]
        default:
            return [Verdict(risk: .medium, technique: nil, reason: "Changes the data store (\(shown)).")]
        }
    }

    static func mongo(_ code: String) -> [Verdict] {
        let l = code.lowercased()
        let shown = "`\(code.count > 80 ? String(code.prefix(80)) + "…" : code)`"
        if l.contains("dropdatabase(") || l.contains(".drop(") || l.contains("deletemany({})") || l.contains("remove({})") || l.contains("deletemany( {} )") {
            return [Verdict(risk: .high, technique: "T1485", reason: "Destroys data in the database (\(shown)): it is gone unless there is a backup.")]
        }
        if l.contains("createuser(") || l.contains("grantrolestouser(") || l.contains("updateuser(") {
            return [Verdict(risk: .high, technique: "T1098", reason: "Creates or changes a database account (\(shown)).")]
        }
        let writes = ["insert", "update", "delete", "remove(", "replaceone", "createcollection", "createindex", "rename", "bulkwrite", "findandmodify", "findoneandupdate", "findoneanddelete", "eval(", "runcommand", "admincommand", "shutdownserver"]
        if writes.contains(where: { l.contains($0) }) || l.isEmpty {
            return [Verdict(risk: .medium, technique: nil, reason: "Changes the database (\(shown)).")]
        }
        return [Verdict(risk: .low, technique: nil, reason: "Reads from the database (\(shown)); it changes nothing.")]
    }
}
