import EscortCore

/// JSON with sorted keys, two-space indentation and one member per line, so that a single member
/// (the generation time) sits on a line of its own and everything else is byte-for-byte stable.
enum PrettyJSON {
    static func render(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        return out + "\n"
    }

    private static func write(_ v: JSONValue, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch v {
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, k) in o.keys.sorted().enumerated() {
                out += pad + scalar(.string(k)) + ": "
                write(o[k]!, indent: indent + 1, into: &out)
                out += i == o.count - 1 ? "\n" : ",\n"
            }
            out += close + "}"
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "[\n"
            for (i, e) in a.enumerated() {
                out += pad
                write(e, indent: indent + 1, into: &out)
                out += i == a.count - 1 ? "\n" : ",\n"
            }
            out += close + "]"
        default:
            out += scalar(v)
        }
    }

    private static func scalar(_ v: JSONValue) -> String { v.encodedString() }
}
