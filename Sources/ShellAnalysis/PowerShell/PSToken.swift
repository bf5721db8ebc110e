/// A PowerShell token, with the range of the source it came from.
struct PSToken: Sendable {
    enum Kind: Sendable, Equatable {
        /// A bare word: command name, argument, path (backticks already removed).
        case word
        /// `-Name` (a parameter in command mode, an operator such as `-join` in expressions).
        case dash
        /// `'…'` or a here-string `@'…'@`.
        case literal
        /// `"…"` or `@"…"@`: its parts are in `parts`.
        case expandable
        /// `$name`, `${name}`, `$env:NAME` (text is the name, without `$`).
        case variable
        case number
        /// Punctuation and operators: `( ) { } [ ] , ; | & && || . :: = += + * / % ! > >> $( @( @{`.
        case op
        /// `.Name` straight after an expression.
        case member
        /// `::Name`.
        case staticMember
        case newline
        case end
    }

    /// A piece of an expandable string.
    enum Part: Sendable {
        case text(String)
        case variable(String)
        case subexpression(String, origin: Int)
    }

    var kind: Kind
    var text: String
    var range: SourceRange
    var spaceBefore: Bool
    var parts: [Part] = []
    /// Whether a word held backticks or mixed quoting (a sign of disguise in a command name).
    var escaped = false
}
