import Foundation

/// Redirections: here-documents and here-strings as input, files read and written, `/dev/tcp`.
extension ShellReader {
    struct RedirectedIO {
        var stdin: Stream
        /// Where standard output goes, when redirected to a file.
        var stdoutFile: (path: String, range: SourceRange)?
        /// `/dev/tcp` and `/dev/udp` endpoints the command's descriptors are connected to.
        var network: [(endpoint: String, range: SourceRange)] = []
        /// Whether input and output are both tied to a network connection (`>& /dev/tcp/…`, `0>&1`).
        var interactiveNetwork = false
    }

    mutating func applyRedirects(_ redirects: [Redirect], stdin: Stream, commandName: String?) -> RedirectedIO {
        var io = RedirectedIO(stdin: stdin, stdoutFile: nil)
        var outputToNetwork = false
        var inputToNetwork = false
        var stdinDuplicatedFromOutput = false
        for r in redirects {
            switch r.op {
            case .hereDocument, .hereDocumentStrippingTabs:
                guard let key = r.hereDocumentKey, let doc = hereDocuments[key] else {
                    io.stdin = .dynamic([])
                    continue
                }
                if doc.quoted || doc.parts.isEmpty {
                    io.stdin = .text(doc.body, [], at(doc.range))
                } else {
                    var text: String? = ""
                    var taint = Taint()
                    for p in doc.parts {
                        for seg in evaluate(p, quoted: true) {
                            taint.formUnion(seg.taint)
                            if let t = text, let s = seg.text { text = t + s } else { text = nil }
                        }
                    }
                    io.stdin = text.map { .text($0, taint, at(doc.range)) } ?? .dynamic(taint)
                }
            case .hereString:
                let arg = evaluateJoined(r.target)
                io.stdin = arg.text.map { .text($0 + "\n", arg.taint, at(r.range)) } ?? .dynamic(arg.taint)
            case .input, .readWrite, .duplicateInput:
                let arg = evaluateJoined(r.target)
                guard let path = arg.text else {
                    io.stdin = .dynamic(arg.taint)
                    continue
                }
                if r.op == .duplicateInput, path.allSatisfy(\.isNumber) || path == "-" {
                    if path == "1" || path == "2" { stdinDuplicatedFromOutput = true }
                    continue
                }
                if let endpoint = Self.networkEndpoint(path) {
                    io.network.append((endpoint, r.range))
                    inputToNetwork = inputToNetwork || r.fd == nil || r.fd == 0
                    if r.op == .readWrite { outputToNetwork = outputToNetwork || r.fd == nil || r.fd == 0 }
                    io.stdin = .dynamic(.network)
                    continue
                }
                if r.fd == nil || r.fd == 0 {
                    // `</dev/null` gives nothing to read (`openssl s_client … </dev/null`).
                    io.stdin = path == "/dev/null" ? .none : files[PathPattern.normalise(path)] ?? .dynamic([])
                }
                evaluator.checkPath(path, writing: r.op == .readWrite, range: at(r.range), verb: r.op == .readWrite ? "opens for writing" : "reads", into: &report)
            case .output, .append, .clobber, .outputAndError, .appendOutputAndError, .duplicateOutput:
                let arg = evaluateJoined(r.target)
                guard let path = arg.text else {
                    if r.op != .duplicateOutput {
                        add(.medium, nil, "Writes output to a file whose name is only known at run time.", r.range)
                    }
                    continue
                }
                if r.op == .duplicateOutput, path.allSatisfy(\.isNumber) || path == "-" || path.hasSuffix("-") {
                    if r.fd == 0 { stdinDuplicatedFromOutput = true }
                    continue
                }
                if let endpoint = Self.networkEndpoint(path) {
                    io.network.append((endpoint, r.range))
                    outputToNetwork = true
                    continue
                }
                if r.fd == nil || r.fd == 1 || r.op == .outputAndError || r.op == .appendOutputAndError || r.op == .duplicateOutput {
                    io.stdoutFile = (path, r.range)
                }
                if path != "/dev/null" {
                    evaluator.checkPath(path, writing: true, range: at(r.range), verb: r.op == .append || r.op == .appendOutputAndError ? "appends to" : "overwrites", into: &report)
                    explain("Output is written to `\(path)`\(r.op == .append || r.op == .appendOutputAndError ? " (added at the end)" : " (replacing what was there)").")
                } else if r.fd == 2 || r.op == .outputAndError {
                    explain("Error messages are thrown away (`\(path)`).")
                }
            }
        }
        if !io.network.isEmpty {
            let endpoints = io.network.map(\.endpoint).joined(separator: ", ")
            add(.high, "T1095", "Opens a raw network connection to \(endpoints) through the shell's `/dev/tcp` feature.", io.network[0].range)
            explain("`/dev/tcp/…` makes the shell itself connect to \(endpoints); nothing else shows it as a network program.")
            io.interactiveNetwork = (outputToNetwork && (inputToNetwork || stdinDuplicatedFromOutput)) || (inputToNetwork && outputToNetwork)
        }
        return io
    }

    /// `host:port` for `/dev/tcp/HOST/PORT` and `/dev/udp/HOST/PORT`.
    static func networkEndpoint(_ path: String) -> String? {
        for prefix in ["/dev/tcp/", "/dev/udp/"] where path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count).split(separator: "/")
            return rest.count >= 2 ? "\(rest[0]) port \(rest[1])" : String(path.dropFirst(prefix.count))
        }
        return nil
    }
}
