import Foundation

/// A user's SSH public key as it appears in `authorized_keys`: the algorithm, the wire-format
/// blob and a comment. Escort accepts Ed25519 and ECDSA (NIST P-256, P-384, P-521) keys only.
public struct SSHPublicKey: Sendable, Hashable, Codable {
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ecdsa-sha2-nistp384` or `ecdsa-sha2-nistp521`.
    public var algorithm: String
    /// The key in SSH wire format (RFC 4253 §6.6): what a client sends at user authentication.
    public var blob: [UInt8]
    /// The free-text comment (often `user@host`); may be empty.
    public var comment: String

    /// The algorithms Escort accepts.
    public static let acceptedAlgorithms: [String] = [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    ]

    /// What to tell someone whose key Escort does not accept.
    public static let howToMakeAKey =
        "Escort accepts ed25519 and ECDSA keys; make one with: ssh-keygen -t ed25519 -f ~/.ssh/escort_ed25519"

    /// A key from its parts, checked like a parsed one.
    ///
    /// - Throws: ``RegistryError`` if the blob is not a well-formed key of an accepted algorithm.
    public init(blob: [UInt8], comment: String = "") throws(RegistryError) {
        let algorithm = try Self.check(blob: blob)
        self.algorithm = algorithm
        self.blob = blob
        self.comment = comment
    }

    /// Parses one `authorized_keys` / `.pub` line: `ALGORITHM BASE64 [COMMENT]`.
    ///
    /// Options before the key (`from="…" ssh-ed25519 …`) are refused: access restrictions
    /// belong in Escort's policy, not on the key.
    ///
    /// - Throws: ``RegistryError``: `.unsupportedKeyType` for RSA, DSA, OpenSSH certificates and
    ///   security-key (`sk-`) keys; `.invalidKey` for anything malformed, including a blob whose
    ///   internal algorithm name differs from the line's.
    public static func parse(authorizedKeysLine line: String) throws(RegistryError) -> SSHPublicKey {
        let fields = line.trimmingASCIIWhitespace().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = fields.first else {
            throw RegistryError(.invalidKey, "empty SSH key line", field: "key")
        }
        if let i = fields.firstIndex(where: looksLikeAlgorithm), i > 0 {
            throw RegistryError(
                .invalidKey,
                "authorized_keys options (\(fields[0..<i].joined(separator: " "))) are not accepted; give the bare key line",
                field: "key")
        }
        try checkAccepted(first)
        guard fields.count >= 2 else {
            throw RegistryError(.invalidKey, "the \(first) key line has no base64 key after the algorithm", field: "key")
        }
        guard let data = Data(base64Encoded: fields[1]) else {
            throw RegistryError(.invalidKey, "the \(first) key is not valid base64", field: "key")
        }
        let blob = [UInt8](data)
        let inner = try check(blob: blob)
        guard inner == first else {
            throw RegistryError(
                .invalidKey, "the line says \(first) but the key inside is \(inner); the line is damaged or edited",
                field: "key")
        }
        return SSHPublicKey(unchecked: first, blob: blob, comment: fields.dropFirst(2).joined(separator: " "))
    }

    private init(unchecked algorithm: String, blob: [UInt8], comment: String) {
        self.algorithm = algorithm
        self.blob = blob
        self.comment = comment
    }

    /// The key as one `authorized_keys` line.
    public var openSSHLine: String {
        let base = "\(algorithm) \(Data(blob).base64EncodedString())"
        return comment.isEmpty ? base : "\(base) \(comment)"
    }

    // MARK: - Checks

    private static func looksLikeAlgorithm(_ token: String) -> Bool {
        token.hasPrefix("ssh-") || token.hasPrefix("ecdsa-") || token.hasPrefix("sk-")
    }

    private static func checkAccepted(_ algorithm: String) throws(RegistryError) {
        if acceptedAlgorithms.contains(algorithm) { return }
        let what: String
        if algorithm.hasSuffix("-cert-v01@openssh.com") {
            what = "\(algorithm) is an OpenSSH certificate; certificates are not accepted at user authentication, register the plain key (the .pub file without -cert)"
        } else if algorithm == "ssh-rsa" || algorithm.hasPrefix("rsa-") {
            what = "RSA keys (\(algorithm)) are not accepted"
        } else if algorithm == "ssh-dss" {
            what = "DSA keys (ssh-dss) are not accepted"
        } else if algorithm.hasPrefix("sk-") {
            what = "security-key keys (\(algorithm)) are not accepted yet"
        } else {
            what = "unknown SSH key type \"\(algorithm)\""
            throw RegistryError(.invalidKey, "\(what). \(howToMakeAKey)", field: "key")
        }
        throw RegistryError(.unsupportedKeyType, "\(what). \(howToMakeAKey)", field: "key")
    }

    /// Reads the blob's structure and returns its algorithm name.
    static func check(blob: [UInt8]) throws(RegistryError) -> String {
        var reader = WireReader(blob)
        guard let nameBytes = reader.string(), !nameBytes.isEmpty else {
            throw RegistryError(.invalidKey, "the key blob is malformed: it does not start with an algorithm name", field: "key")
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        try checkAccepted(name)
        switch name {
        case "ssh-ed25519":
            guard let k = reader.string(), k.count == 32, reader.atEnd else {
                throw RegistryError(.invalidKey, "the ssh-ed25519 key blob is malformed (want one 32-byte key)", field: "key")
            }
        default:
            let curve = String(name.dropFirst("ecdsa-sha2-".count))
            let pointLength = ["nistp256": 65, "nistp384": 97, "nistp521": 133][curve] ?? 0
            guard let c = reader.string(), c == Array(curve.utf8), let q = reader.string(), q.count == pointLength,
                q.first == 0x04, reader.atEnd
            else {
                throw RegistryError(
                    .invalidKey, "the \(name) key blob is malformed (want curve \(curve) and an uncompressed point)",
                    field: "key")
            }
        }
        return name
    }
}

/// Reads SSH wire-format strings (a 4-byte big-endian length, then the bytes).
private struct WireReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { offset == bytes.count }

    mutating func string() -> [UInt8]? {
        guard bytes.count - offset >= 4 else { return nil }
        let n = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        offset += 4
        guard bytes.count - offset >= n else { return nil }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }
}
