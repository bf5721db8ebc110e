import Foundation

/// Scenarios that share a set name: passing every one of them earns escort training.
public struct ScenarioSet: Sendable, Hashable, Identifiable {
    public var name: String
    /// In id order.
    public var scenarios: [TrainingScenario]

    public var id: String { name }

    /// How long passing the set counts: the shortest validity of its scenarios, in days.
    public var validityDays: Int { scenarios.map(\.validityDays).min() ?? 0 }

    /// The number of decisions across the set.
    public var decisionCount: Int { scenarios.reduce(0) { $0 + $1.decisions.count } }
}

/// Every scenario the trainer knows: the ones shipped with Escort and any added from files.
public struct ScenarioLibrary: Sendable {
    /// Sorted by set, then id.
    public private(set) var scenarios: [TrainingScenario]

    public init(scenarios: [TrainingScenario]) throws(TrainingError) {
        var seen = Set<String>()
        for s in scenarios where !seen.insert(s.id).inserted {
            throw TrainingError(.malformedScenario, "two scenarios have the id \"\(s.id)\"", field: "id")
        }
        self.scenarios = scenarios.sorted { ($0.set, $0.id) < ($1.set, $1.id) }
    }

    /// The scenarios shipped with Escort (resources of this module).
    public static func bundled() throws(TrainingError) -> ScenarioLibrary {
        let candidates = [
            Bundle.module.resourceURL?.appendingPathComponent("Scenarios"),
            Bundle.module.resourceURL?.appendingPathComponent("Resources/Scenarios"),
        ].compactMap { $0 }
        for dir in candidates where FileManager.default.fileExists(atPath: dir.path) {
            return try load(directory: dir.path)
        }
        throw TrainingError(.unknownScenario, "the bundled training scenarios are missing (a packaging error)")
    }

    /// Every `*.json` file in `directory`, in name order.
    public static func load(directory: String) throws(TrainingError) -> ScenarioLibrary {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw TrainingError(.unknownScenario, "cannot read the scenario folder \(directory)")
        }
        var scenarios: [TrainingScenario] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            scenarios.append(try TrainingScenario.load(path: directory + "/" + name))
        }
        return try ScenarioLibrary(scenarios: scenarios)
    }

    /// The library with `scenario` added (replacing one with the same id).
    public func adding(_ scenario: TrainingScenario) throws(TrainingError) -> ScenarioLibrary {
        try ScenarioLibrary(scenarios: scenarios.filter { $0.id != scenario.id } + [scenario])
    }

    /// Every set, by name.
    public var sets: [ScenarioSet] {
        Dictionary(grouping: scenarios, by: \.set)
            .map { ScenarioSet(name: $0.key, scenarios: $0.value.sorted { $0.id < $1.id }) }
            .sorted { $0.name < $1.name }
    }

    /// The set called `name`.
    ///
    /// - Throws: ``TrainingError`` `.unknownSet` naming the sets there are.
    public func set(named name: String) throws(TrainingError) -> ScenarioSet {
        guard let s = sets.first(where: { $0.name == name }) else {
            throw TrainingError(
                .unknownSet, "no scenario set named \"\(name)\" (known: \(sets.map(\.name).joined(separator: ", ")); see `escort train --list`)",
                field: "set")
        }
        return s
    }

    /// The scenario with this id.
    public func scenario(id: String) throws(TrainingError) -> TrainingScenario {
        guard let s = scenarios.first(where: { $0.id == id }) else {
            throw TrainingError(.unknownScenario, "no scenario with id \"\(id)\"", field: "scenario")
        }
        return s
    }
}
