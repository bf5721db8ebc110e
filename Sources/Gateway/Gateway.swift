/// The SSH gateway.
///
/// Engineers connect with the stock OpenSSH client; every command they type is collected by
/// ``LineEditor``, analysed, decided by policy, held for an escort where policy says so, written
/// to the audit log and only then forwarded to the target's shell.
import NIOSSH
