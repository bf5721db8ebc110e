import GRDB

/// Every schema change, in order, one migration per change and one file per migration.
///
/// A migration never changes once released; a later change is a new migration.
enum SQLiteMigrations {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("audit-v1", migrate: AuditV1.migrate)
        migrator.registerMigration("registry-v1", migrate: RegistryV1.migrate)
        migrator.registerMigration("console-v1", migrate: ConsoleV1.migrate)
        migrator.registerMigration("training-v1", migrate: TrainingV1.migrate)
        migrator.registerMigration("nodes-v1", migrate: NodesV1.migrate)
        migrator.registerMigration("moderation-v1", migrate: ModerationV1.migrate)
        return migrator
    }
}
