/// A small RFC 4180 CSV reader: comma-separated fields, double quotes around fields that hold
/// commas, quotes (doubled) or line breaks, LF or CRLF line ends. Blank lines are skipped.
public enum CSV {
    /// One row and the line of the file it starts on (1-based).
    public struct Row: Sendable, Hashable {
        public var line: Int
        public var fields: [String]
    }

    /// Splits `text` into rows.
    ///
    /// - Throws: ``RegistryError`` `.invalidCSV` for a quote left open or text after a closing quote.
    public static func rows(_ text: String) throws(RegistryError) -> [Row] {
        var rows: [Row] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var rowLine = 1
        var inQuotes = false
        var afterQuote = false
        var rowHasContent = false
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        func endRow() {
            fields.append(field)
            if rowHasContent || fields.count > 1 || !field.isEmpty { rows.append(Row(line: rowLine, fields: fields)) }
            fields = []
            field = ""
            rowHasContent = false
            afterQuote = false
        }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case ",":
                    fields.append(field)
                    field = ""
                    afterQuote = false
                    rowHasContent = true
                case "\r" where i + 1 < chars.count && chars[i + 1] == "\n":
                    break
                case "\n":
                    endRow()
                    line += 1
                    rowLine = line
                case "\"" where field.isEmpty && !afterQuote:
                    inQuotes = true
                    rowHasContent = true
                default:
                    if afterQuote {
                        throw RegistryError(.invalidCSV, "line \(line): text after a closing quote")
                    }
                    field.unicodeScalars.append(c)
                }
            }
            i += 1
        }
        if inQuotes { throw RegistryError(.invalidCSV, "line \(rowLine): a quoted field is never closed") }
        if rowHasContent || !field.isEmpty || !fields.isEmpty { endRow() }
        return rows
    }
}
