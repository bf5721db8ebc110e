import EscortCore
import Foundation

/// The last checkpoint a signer signed, kept beside its signing key (`KEY.checkpoint`), where
/// whoever can write the store cannot change it.
///
/// Before signing, the log checks that the store is an extension of this checkpoint (RFC 6962
/// consistency); after a checkpoint is committed it is written here. So a signer never signs a
/// tree that does not extend the last tree it signed, even when someone rewrote the store and
/// deleted its checkpoints.
///
/// File format: one line, as an export's checkpoint line:
/// `{"checkpoint":<the checkpoint's canonical JSON, byte for byte>,"signature":"<hex>"}`.
/// Written to a temporary file, synced and renamed into place, under a lock file
/// (`KEY.checkpoint.lock`), and only ever replaced by a checkpoint over more records.
public struct SignerCheckpointFile: Sendable, Hashable {
    /// The file's path.
    public let path: String

    public init(path: String) { self.path = path }

    /// Where the checkpoint of the key at `keyPath` is kept.
    public init(keyPath: String) { self.path = keyPath + ".checkpoint" }

    /// The kept checkpoint, or nil if this signer has not signed one yet.
    ///
    /// - Throws: ``AuditError`` `.badKey` if the file exists but cannot be read or parsed
    ///   (failing closed: a damaged file does not mean "never signed").
    public func load() throws(AuditError) -> SignedCheckpoint? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditError(.badKey, "cannot read the signer's kept checkpoint \(path)")
        }
        var bytes = Array(data)
        while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 { bytes.removeLast() }
        do throws(AuditError) {
            return try Self.parse(bytes)
        } catch {
            throw AuditError(.badKey, "the signer's kept checkpoint \(path) cannot be read (\(error.message)); restore it or investigate before signing")
        }
    }

    /// Keeps `checkpoint` unless the file already holds one over at least as many records.
    public func save(_ checkpoint: SignedCheckpoint) throws(AuditError) {
        let lock = open(path + ".lock", O_RDWR | O_CREAT, 0o600)
        guard lock >= 0 else {
            throw AuditError(.badKey, "cannot lock \(path).lock: \(String(cString: strerror(errno)))")
        }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else {
            throw AuditError(.badKey, "cannot lock \(path).lock: \(String(cString: strerror(errno)))")
        }
        defer { flock(lock, LOCK_UN) }
        if let current = try load(), current.treeSize >= checkpoint.treeSize { return }
        let bytes = AuditExport.line(for: checkpoint.stored) + [0x0A]
        let temporary = "\(path).tmp-\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw AuditError(.badKey, "cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw AuditError(.badKey, "cannot keep the signed checkpoint in \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads a checkpoint line (`{"checkpoint":…,"signature":"…"}`).
    public static func parse(_ line: [UInt8]) throws(AuditError) -> SignedCheckpoint {
        let members: [JSONParser.Member]
        do { members = try JSONParser.members(ofObject: line) } catch {
            throw AuditError(.malformedCheckpoint, "not a JSON object: \(error)")
        }
        guard let body = members.first(where: { $0.key == "checkpoint" }).map({ Array(line[$0.valueRange]) }),
            let sig = members.first(where: { $0.key == "signature" }).map({ Array(line[$0.valueRange]) }),
            sig.count >= 2, sig.first == 0x22, sig.last == 0x22, let signature = Hex.decode(utf8: sig.dropFirst().dropLast())
        else {
            throw AuditError(.malformedCheckpoint, "expected {\"checkpoint\":…,\"signature\":\"HEX\"}")
        }
        return try SignedCheckpoint(body: body, signature: signature)
    }
}
