/// Requests to a cloud instance-metadata service (AWS, Azure, Google Cloud, Alibaba, ECS task
/// roles). The service answers anyone on the machine, and among what it hands out are the
/// machine's own cloud credentials: asking for those is credential access (T1552.005), whatever
/// program asks and however the address is spelt.
enum InstanceMetadata {
    /// Words in a request's path or headers that ask for credentials or tokens.
    static let credentialWords = [
        "security-credentials", "/iam", "identity", "token", "service-accounts", "oauth2", "credential", "secret",
        "/keys", "metadata-flavor", "metadata: true", "metadata:true",
    ]

    /// Literal spellings looked for in raw text (code in other languages, obfuscated PowerShell).
    static let literalHosts = ["169.254.169.254", "metadata.google.internal", "fd00:ec2::254", "169.254.170.2", "100.100.100.200"]

    /// Reports a request to the metadata service among `texts`, a command's evaluated arguments.
    /// Returns whether one was found.
    @discardableResult
    static func check(_ texts: [String], range: SourceRange, into report: inout Report) -> Bool {
        for t in texts where t.utf8.count < 4096 {
            let host = Destination.urlHost(t) ?? (t.contains("/") || t.contains(" ") || t.hasPrefix("-") ? nil : t)
            guard let host, !host.isEmpty else { continue }
            let d = Destination.classify(host)
            guard d.kind == .instanceMetadata else { continue }
            flag(d, context: texts.joined(separator: " "), range: range, into: &report)
            return true
        }
        return false
    }

    /// Reports a request for credentials to a metadata-service address written literally anywhere
    /// in `source` (the evaluated arguments are checked by ``check(_:range:into:)``).
    static func scanText(_ source: String, range: SourceRange, into report: inout Report) {
        guard source.utf8.count < 1 << 20 else { return }
        let lower = source.lowercased()
        guard let host = literalHosts.first(where: { lower.contains($0) }), credentialWords.contains(where: { lower.contains($0) }) else { return }
        flag(Destination(host: host, kind: .instanceMetadata), context: lower, range: range, into: &report)
    }

    static func flag(_ d: Destination, context: String, range: SourceRange, into report: inout Report) {
        let lower = context.lowercased()
        let forCredentials = credentialWords.contains { lower.contains($0) }
        if forCredentials {
            report.add(.high, "T1552.005", "Asks the cloud instance-metadata service (\(d.canonical ?? d.host)) for this machine's cloud credentials or tokens: whoever holds them acts as this machine in the cloud account.", range)
            report.explain("\(d.canonical ?? d.host) is the cloud instance-metadata service: it hands the machine's own credentials to anyone on it who asks.")
        } else {
            report.add(.medium, "T1552.005", "Queries the cloud instance-metadata service (\(d.canonical ?? d.host)), which also hands out this machine's cloud credentials.", range)
        }
    }
}
