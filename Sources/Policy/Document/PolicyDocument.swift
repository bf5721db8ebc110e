import EscortCore

/// A parsed, validated policy file. See `docs/policy.md` for the language.
///
/// Anything the file does not allow is refused: no rule for a level means no access at that
/// level, a risk missing from a command table means `refuse`.
public struct PolicyDocument: Sendable, Hashable {
    /// Countries whose citizens, residents or visitors the rules may single out
    /// (`"countries_of_concern"` in a country list).
    public var countriesOfConcern: Set<CountryCode>
    /// From this impact level up, a source address that maps to a country of concern, or to a
    /// country other than the declared location, is refused. Default IL4.
    public var locationEnforcedFrom: ImpactLevel
    /// The `[[access]]` rules in file order.
    public var accessRules: [AccessRule]
    /// The `[[escort]]` rules: who may escort on which levels (besides holding the escort role).
    public var escortRules: [EligibilityRule]
    /// The `[[reviewer]]` rules: who may be the technical reviewer (besides the reviewer role).
    public var reviewerRules: [EligibilityRule]
    /// `[commands.direct]`.
    public var directCommands: CommandTable
    /// `[commands.escorted]`.
    public var escortedCommands: CommandTable
    /// Programs whose keystrokes are passed through while they run (`top`, `less`, `vi`, …).
    public var interactivePrograms: Set<String>
    public var allowPortForwarding: Bool
    public var allowAgentForwarding: Bool
    public var allowSubsystems: Bool

    public init(
        countriesOfConcern: Set<CountryCode>, locationEnforcedFrom: ImpactLevel = .il4, accessRules: [AccessRule],
        escortRules: [EligibilityRule], reviewerRules: [EligibilityRule], directCommands: CommandTable,
        escortedCommands: CommandTable, interactivePrograms: Set<String> = [], allowPortForwarding: Bool = false,
        allowAgentForwarding: Bool = false, allowSubsystems: Bool = false
    ) {
        self.countriesOfConcern = countriesOfConcern
        self.locationEnforcedFrom = locationEnforcedFrom
        self.accessRules = accessRules
        self.escortRules = escortRules
        self.reviewerRules = reviewerRules
        self.directCommands = directCommands
        self.escortedCommands = escortedCommands
        self.interactivePrograms = interactivePrograms
        self.allowPortForwarding = allowPortForwarding
        self.allowAgentForwarding = allowAgentForwarding
        self.allowSubsystems = allowSubsystems
    }

    /// The command table for a mode (`refused` sessions run nothing).
    public func commands(for mode: AccessMode) -> CommandTable? {
        switch mode {
        case .direct: directCommands
        case .escorted: escortedCommands
        case .refused: nil
        }
    }

    static let topKeys = ["version", "countries_of_concern", "location", "access", "escort", "reviewer", "commands", "session"]

    /// Parses and validates a policy file.
    ///
    /// - Throws: ``PolicyError`` naming the key path (`access[2].levels[0]`) of the first problem.
    public static func parse(toml: String) throws(PolicyError) -> PolicyDocument {
        var r = TableReader(try TOMLNode.parse(toml), path: "")
        if let v = try r.integer("version"), v != 1 {
            throw PolicyError(.invalidValue, "this Escort reads policy version 1, not \(v)", field: "version")
        }
        guard let concern = try r.countrySet("countries_of_concern") else {
            throw PolicyError(.missingField, "is required (e.g. [\"CN\", \"RU\", \"IR\", \"KP\"]; [] for none)", field: "countries_of_concern")
        }
        if concern.includesCountriesOfConcern {
            throw PolicyError(.invalidValue, "cannot name itself", field: "countries_of_concern")
        }
        var enforceFrom = ImpactLevel.il4
        if var location = try r.table("location") {
            enforceFrom = try location.impactLevel("enforce_from") ?? .il4
            try location.finish(allowed: ["enforce_from"])
        }
        var access: [AccessRule] = []
        var names = Set<String>()
        for var t in try r.tables("access") {
            let rule = try AccessRule.read(&t)
            guard names.insert(rule.name).inserted else {
                throw PolicyError(.invalidValue, "another access rule is also named \"\(rule.name)\"", field: t.keyPath("name"))
            }
            access.append(rule)
        }
        var escorts: [EligibilityRule] = []
        for (i, var t) in try r.tables("escort").enumerated() {
            escorts.append(try EligibilityRule.read(&t, defaultName: "escort[\(i)]", trainingByDefault: true))
        }
        var reviewers: [EligibilityRule] = []
        for (i, var t) in try r.tables("reviewer").enumerated() {
            reviewers.append(try EligibilityRule.read(&t, defaultName: "reviewer[\(i)]", trainingByDefault: false))
        }
        guard var commands = try r.table("commands") else {
            throw PolicyError(.missingField, "is required ([commands.direct] and [commands.escorted])", field: "commands")
        }
        guard var direct = try commands.table("direct") else {
            throw PolicyError(.missingField, "is required", field: "commands.direct")
        }
        guard var escorted = try commands.table("escorted") else {
            throw PolicyError(.missingField, "is required", field: "commands.escorted")
        }
        let directTable = try CommandTable.read(&direct)
        let escortedTable = try CommandTable.read(&escorted)
        try commands.finish(allowed: ["direct", "escorted"])
        var document = PolicyDocument(
            countriesOfConcern: concern.countries, locationEnforcedFrom: enforceFrom, accessRules: access,
            escortRules: escorts, reviewerRules: reviewers, directCommands: directTable, escortedCommands: escortedTable)
        if var session = try r.table("session") {
            document.interactivePrograms = Set(try session.strings("interactive_programs") ?? [])
            document.allowPortForwarding = try session.bool("allow_port_forwarding") ?? false
            document.allowAgentForwarding = try session.bool("allow_agent_forwarding") ?? false
            document.allowSubsystems = try session.bool("allow_subsystems") ?? false
            try session.finish(allowed: ["interactive_programs", "allow_port_forwarding", "allow_agent_forwarding", "allow_subsystems"])
        }
        try r.finish(allowed: topKeys)
        return document
    }
}
