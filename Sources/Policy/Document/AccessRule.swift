import EscortCore

/// What an access rule grants when it matches.
public enum RuleMode: String, Sendable, Hashable, CaseIterable {
    /// Work without an escort (commands still go through the `commands.direct` table).
    case direct
    /// Work only while an eligible escort watches (the `commands.escorted` table).
    case escorted
    /// Refused outright; a `never` rule beats every other rule.
    case never
}

/// One `[[access]]` rule of the policy file.
public struct AccessRule: Sendable, Hashable {
    /// A short name used in reasons (`il5-direct`).
    public var name: String
    /// The impact levels the rule applies to.
    public var levels: Set<ImpactLevel>
    public var mode: RuleMode
    /// Why, in words, for `never` rules (put in brackets after the refusal).
    public var reason: String?
    /// Every condition must be met.
    public var conditions: [PersonCondition]
    /// Whether the person must also hold a ticket for the target, active at the time of access.
    public var requiresTicket: Bool

    public init(
        name: String, levels: Set<ImpactLevel>, mode: RuleMode, reason: String? = nil,
        conditions: [PersonCondition], requiresTicket: Bool = false
    ) {
        self.name = name
        self.levels = levels
        self.mode = mode
        self.reason = reason
        self.conditions = conditions
        self.requiresTicket = requiresTicket
    }

    static let keys = ["name", "levels", "mode", "reason", "requires_ticket"] + PersonCondition.keys

    static func read(_ r: inout TableReader) throws(PolicyError) -> AccessRule {
        let name = try r.requiredString("name")
        let levels = try r.levels("levels")
        let modeText = try r.requiredString("mode")
        guard let mode = RuleMode(rawValue: modeText) else {
            throw PolicyError(.unknownMode, "unknown mode \"\(modeText)\" (use direct, escorted or never)", field: r.keyPath("mode"))
        }
        let reason = try r.string("reason")
        let ticket = try r.bool("requires_ticket") ?? false
        let conditions = try PersonCondition.read(&r)
        if mode == .never, conditions.isEmpty {
            throw PolicyError(.invalidValue, "a never rule without conditions would refuse everyone; add conditions", field: r.path)
        }
        if mode == .never, ticket {
            throw PolicyError(.invalidValue, "requires_ticket has no meaning on a never rule", field: r.keyPath("requires_ticket"))
        }
        try r.finish(allowed: keys)
        return AccessRule(name: name, levels: levels, mode: mode, reason: reason, conditions: conditions, requiresTicket: ticket)
    }
}

/// One `[[escort]]` or `[[reviewer]]` rule: who may watch (or co-approve) sessions on targets
/// of the listed levels. The role (escort or reviewer) is always required besides.
public struct EligibilityRule: Sendable, Hashable {
    public var name: String
    public var levels: Set<ImpactLevel>
    public var conditions: [PersonCondition]
    /// Whether the person's escort training must be unexpired.
    public var requiresTraining: Bool

    public init(name: String, levels: Set<ImpactLevel>, conditions: [PersonCondition], requiresTraining: Bool) {
        self.name = name
        self.levels = levels
        self.conditions = conditions
        self.requiresTraining = requiresTraining
    }

    static let keys = ["name", "levels", "requires_training"] + PersonCondition.keys

    static func read(_ r: inout TableReader, defaultName: String, trainingByDefault: Bool) throws(PolicyError) -> EligibilityRule {
        let name = try r.string("name") ?? defaultName
        let levels = try r.levels("levels")
        let training = try r.bool("requires_training") ?? trainingByDefault
        let conditions = try PersonCondition.read(&r)
        try r.finish(allowed: keys)
        return EligibilityRule(name: name, levels: levels, conditions: conditions, requiresTraining: training)
    }
}
