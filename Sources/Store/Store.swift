/// Storage protocols shared by every backend.
///
/// - ``AuditStore``: durable append-only storage for the audit log.
/// - ``RegistryStore``: people, targets and tickets.
/// - ``TrainingStore``: escort-training results.
