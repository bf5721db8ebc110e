/// The audit log.
