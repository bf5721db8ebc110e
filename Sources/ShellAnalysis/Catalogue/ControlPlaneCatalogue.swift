/// `controlplane.json`: what calls to cloud and cluster control planes (`aws`, `az`, `gcloud`,
/// `kubectl`, `helm`, `terraform`) change. A call is judged by its effect — logging, threat
/// detection or backups turned off, grants and keys for other identities, snapshots and images
/// shared, host-reaching workloads, admission controls and monitoring agents deleted, DNS
/// repointed — and a read-only call (`list`, `show`, `describe`, `get`) is low whatever service
/// it reads, unless what it reads is itself a secret.
public struct ControlPlaneCatalogue: Sendable, Codable {
    /// One effect: the words the call starts with (after the program, in order), the texts it
    /// must also hold (ignoring case), and what it means.
    public struct Rule: Sendable, Codable, Hashable {
        public var program: String
        public var words: [String]
        public var contains: [String]?
        public var risk: RiskLevel
        public var techniques: [String]
        /// The rest of a sentence starting with the call: "stops the CloudTrail trail …".
        public var meaning: String
    }

    /// Verbs that only read (`list`, `show`, `describe`…; `list-*`, `describe-*`, `show-*` too).
    public var readOnlyVerbs: [String]
    /// Words that make a read a read of secrets (`secret`, `token`, `key`…): never low.
    public var sensitiveWords: [String]
    public var rules: [Rule]

    public init(readOnlyVerbs: [String] = [], sensitiveWords: [String] = [], rules: [Rule] = []) {
        self.readOnlyVerbs = readOnlyVerbs
        self.sensitiveWords = sensitiveWords
        self.rules = rules
    }

    static let programs: Set<String> = ["aws", "az", "gcloud", "kubectl", "oc", "helm", "terraform", "tofu"]
    static let changingVerbs: Set<String> = [
        "create", "delete", "update", "set", "add", "remove", "reset", "start", "stop", "restart", "run", "deploy",
        "apply", "patch", "replace", "edit", "scale", "grant", "revoke", "invoke", "purge", "import", "export",
        "attach", "detach", "enable", "disable", "upgrade", "install", "uninstall", "rm", "cp", "mv", "sync", "destroy",
        "exec", "debug", "label", "annotate", "taint", "drain", "cordon", "rollout", "login", "assign",
    ]

    /// The rules `program` called with `args` matches, and whether the call only reads.
    public func judge(_ program: String, _ args: [String]) -> (readOnly: Bool, hits: [Rule]) {
        let name = program == "oc" ? "kubectl" : program == "tofu" ? "terraform" : program
        guard Self.programs.contains(name) else { return (false, []) }
        let lower = args.map { $0.lowercased() }
        let joined = " " + lower.joined(separator: " ") + " "
        let hits = rules.filter { rule in
            rule.program == name && Self.inOrder(rule.words, in: lower)
                && (rule.contains ?? []).allSatisfy { joined.contains($0.lowercased()) }
        }
        let leading = Array(lower.prefix { !$0.hasPrefix("-") }.prefix(5))
        let verb: String?
        switch name {
        case "kubectl", "helm", "terraform": verb = leading.first
        case "aws": verb = leading.count > 1 ? leading[1] : nil
        default: verb = leading.first { isReadOnly($0) || Self.changingVerbs.contains($0) }
        }
        let reads = verb.map(isReadOnly) ?? false
        let secret = leading.contains { w in sensitiveWords.contains { w.contains($0) } }
        return (reads && !secret && hits.isEmpty, hits)
    }

    func isReadOnly(_ verb: String) -> Bool {
        readOnlyVerbs.contains(verb) || verb.hasPrefix("list-") || verb.hasPrefix("describe-") || verb.hasPrefix("show-")
    }

    /// Whether `words` appear in `args` in this order (each word as a whole argument or, when it
    /// ends with `/`, as an argument's start).
    static func inOrder(_ words: [String], in args: [String]) -> Bool {
        var i = 0
        for w in words {
            guard let at = args[i...].firstIndex(where: { w.hasSuffix("/") ? $0.hasPrefix(w) : $0 == w }) else { return false }
            i = at + 1
        }
        return true
    }
}
