import EscortCore
import Foundation

/// How a person may work on a target.
public enum AccessMode: String, Sendable, Codable, CaseIterable {
    /// Without an escort.
    case direct
    /// Only while an eligible escort watches.
    case escorted
    /// Not at all.
    case refused
}

/// Everything the access decision looks at. Plain values: the gateway gathers them.
public struct AccessRequest: Sendable {
    public var person: Person
    public var target: Target
    /// The client's IP address as text (`203.0.113.7`, `2001:db8::1`, `[::1]`), if known.
    public var sourceAddress: String?
    /// The person's tickets (any; the engine keeps the ones for this target active at `now`).
    public var tickets: [Ticket]
    public var now: Date

    public init(person: Person, target: Target, sourceAddress: String?, tickets: [Ticket], now: Date) {
        self.person = person
        self.target = target
        self.sourceAddress = sourceAddress
        self.tickets = tickets
        self.now = now
    }
}

/// The answer at connect time, with every reason in plain English.
public struct AccessDecision: Sendable, Hashable {
    public var mode: AccessMode
    /// Sentences an escort or auditor can read, in the order they were reached.
    public var reasons: [String]
    /// The country the source address maps to, when the IP table knows it (nil for loopback,
    /// private and unknown addresses).
    public var sourceCountry: CountryCode?
    /// The location the rules were checked against: `sourceCountry` if known, else the
    /// person's declared location.
    public var effectiveLocation: CountryCode
    /// The rule that decided (nil for a refusal by default or by the location check).
    public var rule: String?

    public init(mode: AccessMode, reasons: [String], sourceCountry: CountryCode?, effectiveLocation: CountryCode, rule: String? = nil) {
        self.mode = mode
        self.reasons = reasons
        self.sourceCountry = sourceCountry
        self.effectiveLocation = effectiveLocation
        self.rule = rule
    }
}

/// What happens to one command.
public enum CommandVerdict: String, Sendable, Codable, CaseIterable {
    /// Forwarded at once.
    case run
    /// Held until an escort approves it.
    case hold
    /// Held until an escort and a technical reviewer both approve it (two-person rule).
    case holdWithReview = "hold+review"
    /// Not forwarded, whoever asks.
    case refuse

    /// What the verdict means, as the end of a sentence.
    var meaning: String {
        switch self {
        case .run: "it runs at once"
        case .hold: "an escort must approve it before it runs"
        case .holdWithReview: "an escort and a technical reviewer must both approve it before it runs"
        case .refuse: "it is refused and does not run"
        }
    }
}

/// The verdict on one command, with its reasons.
public struct CommandDecision: Sendable, Hashable {
    public var verdict: CommandVerdict
    public var reasons: [String]

    public init(verdict: CommandVerdict, reasons: [String]) {
        self.verdict = verdict
        self.reasons = reasons
    }
}

/// Whether a person may act as escort (or reviewer) for a target, with reasons.
public struct Eligibility: Sendable, Hashable {
    public var eligible: Bool
    public var reasons: [String]

    public init(eligible: Bool, reasons: [String]) {
        self.eligible = eligible
        self.reasons = reasons
    }
}
