import EscortCore
import Foundation

/// A record read back from the log: the event as written, its place in the chain and its hash.
///
/// The canonical JSON of a record (the bytes that are hashed) has exactly these members:
/// `actor`, `code`, `event`, `fields`, `prev`, `seq`, `session`, `time`, `v`.
public struct AuditRecord: Sendable, Hashable {
    /// 1, 2, 3, …
    public var sequence: Int64
    /// The stable event code as written (an unknown code from a newer gateway is kept as text).
    public var code: String
    /// The dotted event name.
    public var event: String
    public var session: String?
    public var actor: String?
    /// RFC 3339 UTC time.
    public var time: String
    public var fields: [String: AuditValue]
    /// The hash of the record before (``AuditHash/genesis`` for record 1).
    public var previousHash: AuditHash
    /// This record's hash: the Merkle leaf hash of its canonical bytes.
    public var hash: AuditHash
    /// The canonical bytes.
    public var body: [UInt8]

    /// The event code, if this gateway knows it.
    public var knownCode: AuditEventCode? { AuditEventCode(code: code) }

    /// The format version written in `v`.
    public static let formatVersion: Int64 = 1

    /// Encodes an event as record `sequence` after `previous`.
    static func canonicalBody(_ e: AuditEvent, sequence: Int64, previous: AuditHash) throws(AuditError) -> [UInt8] {
        let value: JSONValue = .object([
            "v": .integer(formatVersion),
            "seq": .integer(sequence),
            "prev": .string(previous.hex),
            "time": .string(AuditTime.format(e.time)),
            "code": .string(e.code.code),
            "event": .string(e.code.name),
            "session": e.session.map(JSONValue.string) ?? .null,
            "actor": e.actor.map(JSONValue.string) ?? .null,
            "fields": .object(e.fields),
        ])
        do {
            return try value.canonicalBytes()
        } catch {
            throw AuditError(.invalidEvent, "event \(e.code.code) cannot be encoded: \(error.message); use integers or strings instead of floats")
        }
    }

    /// Decodes a record body. Throws ``AuditError`` (`.malformedRecord`) if it is not a record.
    public init(body: [UInt8]) throws(AuditError) {
        let v: JSONValue
        do {
            v = try JSONParser.parse(body)
        } catch {
            throw AuditError(.malformedRecord, "record is not valid JSON: \(error)")
        }
        guard let o = v.objectValue else { throw AuditError(.malformedRecord, "record is not a JSON object") }
        func string(_ k: String) throws(AuditError) -> String {
            guard let s = o[k]?.stringValue else { throw AuditError(.malformedRecord, "record has no string \"\(k)\"") }
            return s
        }
        func optionalString(_ k: String) throws(AuditError) -> String? {
            switch o[k] {
            case .string(let s): return s
            case .null, nil: return nil
            default: throw AuditError(.malformedRecord, "record member \"\(k)\" is not a string")
            }
        }
        guard let seq = o["seq"]?.integerValue else { throw AuditError(.malformedRecord, "record has no integer \"seq\"") }
        guard let prev = AuditHash(hex: try string("prev")) else { throw AuditError(.malformedRecord, "record \(seq): \"prev\" is not a hash") }
        guard let fields = o["fields"]?.objectValue else { throw AuditError(.malformedRecord, "record \(seq) has no \"fields\" object") }
        self.sequence = seq
        self.code = try string("code")
        self.event = try string("event")
        self.session = try optionalString("session")
        self.actor = try optionalString("actor")
        self.time = try string("time")
        self.fields = fields
        self.previousHash = prev
        self.hash = MerkleTree.leafHash(body)
        self.body = body
    }
}

/// The few members the verifier needs from a record body, read without building the rest.
struct RecordLinks {
    var sequence: Int64
    var previous: AuditHash
    var code: String

    /// Reads `seq`, `prev` and `code`; a failure with a reason if the body is not a well-formed record.
    static func read(_ body: [UInt8]) -> Result<RecordLinks, AuditError> {
        var seq: Int64?
        var prev: AuditHash?
        var code = ""
        do {
            try JSONParser.scanMembers(ofObject: body) { key, r in
                if Self.equal(key, "seq") {
                    seq = parseInteger(body[r])
                } else if Self.equal(key, "prev") {
                    if r.count == 66 { prev = AuditHash(hexUTF8: body[(r.lowerBound + 1)..<(r.upperBound - 1)]) }
                } else if Self.equal(key, "code") {
                    if r.count >= 2 { code = String(decoding: body[(r.lowerBound + 1)..<(r.upperBound - 1)], as: UTF8.self) }
                }
            }
        } catch {
            return .failure(AuditError(.malformedRecord, "not a JSON object: \(error)"))
        }
        guard let seq else { return .failure(AuditError(.malformedRecord, "no integer \"seq\"")) }
        guard let prev else { return .failure(AuditError(.malformedRecord, "no 64-hex-digit \"prev\"")) }
        return .success(RecordLinks(sequence: seq, previous: prev, code: code))
    }

    @inline(__always)
    static func equal(_ key: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        key.count == literal.utf8CodeUnitCount && memcmp(key.baseAddress!, literal.utf8Start, key.count) == 0
    }

    /// A non-negative decimal integer without sign or leading zeros; nil otherwise.
    static func parseInteger(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard !digits.isEmpty, digits.count <= 18, digits.count == 1 || digits.first != 0x30 else { return nil }
        var v: Int64 = 0
        for d in digits {
            guard (0x30...0x39).contains(d) else { return nil }
            v = v * 10 + Int64(d - 0x30)
        }
        return v
    }
}
