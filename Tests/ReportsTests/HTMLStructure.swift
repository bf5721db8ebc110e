/// A small check that an HTML page's elements nest: every opened element is closed, in order
/// (void elements and self-closed SVG elements excepted). Returns the first problem, or nil.
enum HTMLStructure {
    static let void: Set<String> = ["meta", "br", "img", "input", "link", "hr", "col"]

    static func problem(in html: String) -> String? {
        var stack: [String] = []
        var rest = Substring(html)
        while let lt = rest.firstIndex(of: "<") {
            rest = rest[rest.index(after: lt)...]
            guard let gt = rest.firstIndex(of: ">") else { return "an unfinished tag" }
            let tag = rest[..<gt]
            rest = rest[rest.index(after: gt)...]
            if tag.hasPrefix("!") { continue }
            let closing = tag.hasPrefix("/")
            let name = String(tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }).lowercased()
            if name.isEmpty { return "a tag without a name: <\(tag)>" }
            if closing {
                guard stack.last == name else { return "</\(name)> closes <\(stack.last ?? "nothing")>" }
                stack.removeLast()
            } else if !void.contains(name), !tag.hasSuffix("/") {
                stack.append(name)
            }
        }
        return stack.isEmpty ? nil : "unclosed: \(stack)"
    }
}
