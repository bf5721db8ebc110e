/// The syntax tree of a POSIX sh / bash script. Every node carries the `SourceRange` of the text
/// it was parsed from.

/// A parsed input: the script and the here-document bodies its redirections refer to.
public struct SyntaxTree: Sendable, Hashable {
    public var script: Script
    /// Here-document bodies, keyed by `Redirect.hereDocumentKey`.
    public var hereDocuments: [Int: HereDocument]
}

/// A script: a list of complete commands separated by newlines, `;` or `&`.
public struct Script: Sendable, Hashable {
    public var items: [ListItem]
    public var range: SourceRange
}

extension Script {
    /// The simple commands of this script's own pipelines (not those inside its compound commands).
    var simpleCommands: [SimpleCommand] {
        items.flatMap { item in
            item.andOr.pipelines.flatMap { p in p.commands.compactMap { if case .simple(let s) = $0 { s } else { nil } } }
        }
    }
}

/// One `and-or` list, run in the background when followed by `&`.
public struct ListItem: Sendable, Hashable {
    public var andOr: AndOrList
    public var background: Bool
    public var range: SourceRange
}

/// Pipelines joined by `&&` and `||`.
public struct AndOrList: Sendable, Hashable {
    public enum Connector: String, Sendable, Hashable { case and = "&&", or = "||" }
    public var first: Pipeline
    public var rest: [(connector: Connector, pipeline: Pipeline)]
    public var range: SourceRange

    public static func == (lhs: AndOrList, rhs: AndOrList) -> Bool {
        lhs.first == rhs.first && lhs.range == rhs.range
            && lhs.rest.map(\.connector) == rhs.rest.map(\.connector)
            && lhs.rest.map(\.pipeline) == rhs.rest.map(\.pipeline)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(first)
        hasher.combine(range)
    }

    /// Every pipeline in order.
    public var pipelines: [Pipeline] { [first] + rest.map(\.pipeline) }
}

/// Commands joined by `|` (or `|&`), optionally negated with `!` or timed with `time`.
public struct Pipeline: Sendable, Hashable {
    public var commands: [Command]
    public var negated: Bool
    public var timed: Bool
    public var range: SourceRange
}

/// A command: simple, compound (with its redirections), or a function definition.
/// (Only the cases that nest are boxed: a simple command, the most common node, costs no allocation.)
public enum Command: Sendable, Hashable {
    case simple(SimpleCommand)
    indirect case compound(CompoundCommand, redirects: [Redirect], range: SourceRange)
    indirect case function(name: String, body: Command, range: SourceRange)

    public var range: SourceRange {
        switch self {
        case .simple(let s): s.range
        case .compound(_, _, let r): r
        case .function(_, _, let r): r
        }
    }
}

/// `NAME=value … word … redirections`.
public struct SimpleCommand: Sendable, Hashable {
    public var assignments: [Assignment]
    public var words: [Word]
    public var redirects: [Redirect]
    public var range: SourceRange
}

/// `NAME=value`, `NAME+=value`, `NAME[i]=value` or `NAME=(a b c)`.
public struct Assignment: Sendable, Hashable {
    public var name: String
    public var append: Bool
    public var value: Word?
    /// For array assignments `NAME=(a b c)`.
    public var array: [Word]?
    public var range: SourceRange
}

/// The compound commands of the shell grammar.
public indirect enum CompoundCommand: Sendable, Hashable {
    /// `{ list; }`
    case braceGroup(Script)
    /// `( list )`
    case subshell(Script)
    /// `if c; then b; elif c; then b; else b; fi`
    case ifClause(branches: [ConditionalBranch], elseBody: Script?)
    /// `for NAME [in words]; do body; done` (words `nil` means `"$@"`).
    case forClause(variable: String, words: [Word]?, body: Script)
    /// `for ((init; cond; step)); do body; done`
    case arithmeticFor(expression: String, body: Script)
    /// `while`/`until` condition; do body; done
    case whileClause(condition: Script, body: Script, until: Bool)
    /// `case WORD in pattern) body ;; … esac`
    case caseClause(subject: Word, items: [CaseItem])
    /// `select NAME in words; do body; done`
    case selectClause(variable: String, words: [Word]?, body: Script)
    /// `(( expression ))`
    case arithmetic(expression: String)
    /// `[[ expression ]]`, kept as its words.
    case conditional(words: [Word])
}

/// One `if`/`elif` condition and its body.
public struct ConditionalBranch: Sendable, Hashable {
    public var condition: Script
    public var body: Script
}

/// One `pattern | pattern) body ;;` of a `case`.
public struct CaseItem: Sendable, Hashable {
    public var patterns: [Word]
    public var body: Script
    public var range: SourceRange
}

/// A redirection: `[n]op target`, or a here-document.
public struct Redirect: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable {
        case input = "<"
        case output = ">"
        case append = ">>"
        case clobber = ">|"
        case readWrite = "<>"
        case duplicateInput = "<&"
        case duplicateOutput = ">&"
        case outputAndError = "&>"
        case appendOutputAndError = "&>>"
        case hereDocument = "<<"
        case hereDocumentStrippingTabs = "<<-"
        case hereString = "<<<"

        /// Whether the target is a file that is written.
        public var writes: Bool {
            switch self {
            case .output, .append, .clobber, .readWrite, .outputAndError, .appendOutputAndError: true
            case .duplicateOutput: true
            default: false
            }
        }
    }

    /// The file descriptor (`2>`), or `nil` for the default.
    public var fd: Int?
    /// `{var}>file` names a variable to receive the descriptor.
    public var fdVariable: String?
    public var op: Operator
    /// The file, descriptor, here-string word, or the here-document delimiter.
    public var target: Word
    public var range: SourceRange

    /// For `<<` and `<<-`: the key of the body in `SyntaxTree.hereDocuments`
    /// (the body is read after the line ends, so it is kept beside the tree).
    public var hereDocumentKey: Int? { op == .hereDocument || op == .hereDocumentStrippingTabs ? range.start : nil }
}

/// The body of a here-document.
public struct HereDocument: Sendable, Hashable {
    public var delimiter: String
    /// A quoted delimiter (`<<'EOF'`) means the body is taken literally.
    public var quoted: Bool
    public var stripTabs: Bool
    /// The body as written (tabs already stripped for `<<-`).
    public var body: String
    /// For unquoted delimiters: the body parsed for expansions.
    public var parts: [WordPart]
    public var range: SourceRange
}

/// A shell word: the concatenation of its parts (`a"b"$c` is three parts).
public struct Word: Sendable, Hashable {
    public var parts: [WordPart]
    public var range: SourceRange

    public init(parts: [WordPart], range: SourceRange) {
        self.parts = parts
        self.range = range
    }

    /// The word's text when it has no expansions at all (quotes removed), else `nil`.
    public var literalValue: String? {
        var out = ""
        for p in parts {
            guard let s = p.literalValue else { return nil }
            out += s
        }
        return out
    }
}

/// A piece of a word. (Only the large parameter case is boxed: a literal part costs no allocation.)
public enum WordPart: Sendable, Hashable {
    /// Unquoted text, backslash escapes removed (`c\at` → `cat`).
    case literal(String, SourceRange)
    /// `'text'`
    case singleQuoted(String, SourceRange)
    /// `"…"`, with its own parts.
    case doubleQuoted([WordPart], SourceRange)
    /// `$'…'`, decoded.
    case ansiCQuoted(String, SourceRange)
    /// `$"…"` (locale translation; read as double quotes).
    case localeQuoted([WordPart], SourceRange)
    /// `$name`, `${…}`.
    indirect case parameter(ParameterExpansion)
    /// `$(…)` or `` `…` ``.
    case commandSubstitution(Script, backquoted: Bool, SourceRange)
    /// `$((…))` or `$[…]`.
    case arithmetic(String, SourceRange)
    /// `<(…)` (`isInput`) or `>(…)`.
    case processSubstitution(Script, isInput: Bool, SourceRange)

    public var range: SourceRange {
        switch self {
        case .literal(_, let r), .singleQuoted(_, let r), .doubleQuoted(_, let r), .ansiCQuoted(_, let r),
            .localeQuoted(_, let r), .commandSubstitution(_, _, let r), .arithmetic(_, let r),
            .processSubstitution(_, _, let r):
            r
        case .parameter(let p): p.range
        }
    }

    /// The part's text when it contains no expansion.
    public var literalValue: String? {
        switch self {
        case .literal(let s, _), .singleQuoted(let s, _), .ansiCQuoted(let s, _): s
        case .doubleQuoted(let parts, _), .localeQuoted(let parts, _):
            parts.reduce(into: String?("")) { acc, p in
                if let a = acc, let v = p.literalValue { acc = a + v } else { acc = nil }
            }
        default: nil
        }
    }

    /// Whether the part was quoted (no field splitting or globbing applies to it).
    public var isQuoted: Bool {
        switch self {
        case .singleQuoted, .doubleQuoted, .ansiCQuoted, .localeQuoted: true
        default: false
        }
    }
}

/// `$name`, `${name}`, `${#name}`, `${!name}`, `${name op arg}`.
public struct ParameterExpansion: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable {
        case useDefault = ":-", useDefaultUnset = "-"
        case assignDefault = ":=", assignDefaultUnset = "="
        case errorIfNull = ":?", errorIfUnset = "?"
        case alternative = ":+", alternativeUnset = "+"
        case removeSmallestPrefix = "#", removeLargestPrefix = "##"
        case removeSmallestSuffix = "%", removeLargestSuffix = "%%"
        case replaceFirst = "/", replaceAll = "//", replacePrefix = "/#", replaceSuffix = "/%"
        case substring = ":"
        case upperFirst = "^", upperAll = "^^", lowerFirst = ",", lowerAll = ",,"
        case transform = "@"
    }

    /// The parameter: a name, a digit, or one of `@*#?-$!0`; with an index for arrays (`a[1]`).
    public var name: String
    public var index: String?
    /// `${#name}`
    public var length: Bool
    /// `${!name}` (indirect) or `${!prefix*}`.
    public var indirect: Bool
    public var op: Operator?
    /// The operator's argument (for replace: the pattern).
    public var argument: Word?
    /// For replace: the replacement; for substring: the length.
    public var secondArgument: Word?
    /// `${…}` rather than `$name`.
    public var braced: Bool
    public var range: SourceRange
}
