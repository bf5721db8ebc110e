import Crypto
import EscortCore
import Foundation

extension SSHPublicKey {
    /// The SHA-256 fingerprint as `ssh-keygen -l` prints it: `SHA256:` and the unpadded base64
    /// of the SHA-256 of the key blob.
    public var fingerprint: String {
        let digest = SHA256.hash(data: blob)
        let b64 = Data(digest).base64EncodedString()
        return "SHA256:" + b64.replacingOccurrences(of: "=", with: "")
    }
}
