import TOMLKit

/// A TOML value copied out of TOMLKit's reference types into a plain, `Sendable` tree, so the
/// rest of the module never touches the C++ parser's objects.
enum TOMLNode: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case double(Double)
    case array([TOMLNode])
    case table([String: TOMLNode])
    /// A date, time or date-time: the policy language has none.
    case other(String)

    /// Parses a whole document.
    static func parse(_ text: String) throws(PolicyError) -> [String: TOMLNode] {
        do {
            let table = try TOMLTable(string: text)
            return convert(table)
        } catch let e as TOMLParseError {
            throw PolicyError(
                .syntax, "not valid TOML: \(e.description)",
                field: "line \(e.source.begin.line), column \(e.source.begin.column)")
        } catch {
            throw PolicyError(.syntax, "not valid TOML: \(error)")
        }
    }

    private static func convert(_ table: TOMLTable) -> [String: TOMLNode] {
        var out: [String: TOMLNode] = [:]
        for key in table.keys {
            if let v = table[key] { out[key] = convert(v) }
        }
        return out
    }

    private static func convert(_ value: any TOMLValueConvertible) -> TOMLNode {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .double: return .double(value.double ?? 0)
        case .array: return .array(value.array.map { a in a.map { convert($0) } } ?? [])
        case .table: return .table(value.table.map(convert) ?? [:])
        default: return .other(value.type.rawValue)
        }
    }

    /// The TOML type's name, for error messages.
    var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .bool: "a boolean"
        case .double: "a float"
        case .array: "a list"
        case .table: "a table"
        case .other(let t): "a \(t)"
        }
    }
}
