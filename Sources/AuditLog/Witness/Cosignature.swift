import Crypto
import EscortCore

/// A witness's Ed25519 signature over a gateway's signed checkpoint: "I hold this checkpoint,
/// and it extends every one I cosigned before".
///
/// The witness signs ``signingPrefix`` followed by the checkpoint's body. One cosignature is one
/// line of canonical JSON (keys sorted, the checkpoint embedded byte for byte):
/// `{"checkpoint":<body>,"cosignature":"HEX","signature":"HEX","witness":"HEX"}` where
/// `signature` is the gateway's signature and `witness` the witness's raw public key.
public struct Cosignature: Sendable, Hashable {
    /// The gateway's checkpoint.
    public var checkpoint: SignedCheckpoint
    /// The witness's raw 32-byte public key.
    public var witness: [UInt8]
    /// The witness's signature.
    public var signature: [UInt8]

    /// Domain separation for cosignatures.
    public static let signingPrefix = Array("escort-audit-cosignature-v1\n".utf8)

    /// Cosigns `checkpoint` with the witness's key.
    public static func sign(_ checkpoint: SignedCheckpoint, witnessKey: GatewaySigningKey) throws(AuditError) -> Cosignature {
        Cosignature(checkpoint: checkpoint, witness: witnessKey.publicKeyBytes, signature: try witnessKey.sign(signingPrefix + checkpoint.body))
    }

    public init(checkpoint: SignedCheckpoint, witness: [UInt8], signature: [UInt8]) {
        self.checkpoint = checkpoint
        self.witness = witness
        self.signature = signature
    }

    /// The witness's key, as text.
    public var witnessKey: GatewayPublicKey { GatewayPublicKey(unchecked: witness) }

    /// Whether the witness's signature is valid (for `pinned`, if given, else for the key in the line).
    public func isValid(pinnedWitness pinned: [UInt8]? = nil) -> Bool {
        let k = pinned ?? witness
        guard k == witness, let pub = try? Curve25519.Signing.PublicKey(rawRepresentation: k) else { return false }
        return pub.isValidSignature(signature, for: Self.signingPrefix + checkpoint.body)
    }

    /// The line (without a newline).
    public var line: [UInt8] {
        Array(#"{"checkpoint":"#.utf8) + checkpoint.body + Array(#","cosignature":""#.utf8) + Array(Hex.encode(signature).utf8)
            + Array(#"","signature":""#.utf8) + Array(Hex.encode(checkpoint.signature).utf8)
            + Array(#"","witness":""#.utf8) + Array(Hex.encode(witness).utf8) + Array("\"}".utf8)
    }

    /// Reads one line.
    public init(line: [UInt8]) throws(AuditError) {
        let members: [JSONParser.Member]
        do { members = try JSONParser.members(ofObject: line) } catch {
            throw AuditError(.malformedCheckpoint, "a cosignature line is not a JSON object: \(error)")
        }
        func hex(_ key: String) -> [UInt8]? {
            guard let m = members.first(where: { $0.key == key }) else { return nil }
            let v = line[m.valueRange]
            guard v.count >= 2, v.first == 0x22, v.last == 0x22 else { return nil }
            return Hex.decode(utf8: v.dropFirst().dropLast())
        }
        guard let body = members.first(where: { $0.key == "checkpoint" }).map({ Array(line[$0.valueRange]) }),
            let gatewaySignature = hex("signature"), let cosignature = hex("cosignature"), let witness = hex("witness"), witness.count == 32
        else {
            throw AuditError(.malformedCheckpoint, "a cosignature line needs checkpoint, signature, cosignature and witness")
        }
        self.init(checkpoint: try SignedCheckpoint(body: body, signature: gatewaySignature), witness: witness, signature: cosignature)
    }

    /// Reads a file of cosignature lines (blank lines skipped), naming the line that fails.
    public static func parseFile(_ data: [UInt8]) throws(AuditError) -> [Cosignature] {
        var out: [Cosignature] = []
        for (i, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            do { out.append(try Cosignature(line: Array(line))) } catch {
                throw AuditError(.malformedCheckpoint, "line \(i + 1): \(error.message)")
            }
        }
        return out
    }
}
