import ArgumentParser
import AuditLog
import EscortCore
import Foundation
import ShellAnalysis
import Store
import Training

/// `escort train`: escort training in the terminal. Answers come from standard input, one per
/// line, each timed; a run faster than a person (``TrainingPlausibility/person``) earns nothing.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an escort on held commands: routine ones and planted malicious ones.",
        discussion: """
            For each command, answer a (approve) or r (refuse) first without the analyser's explanation, \
            then with it. Scores: catches, false alarms and time, with feedback on every miss. Passing every \
            scenario of a set sets the person's escort-training date, which the policy requires of escorts; \
            every run is stored and recorded in the audit log (registry.changed, action training.result) with the \
            trainee as actor and whoever ran the command (--actor) as supervisor. Each answer is timed; a run \
            answered faster than a person can read (under 1.5 s on one's own or 0.4 s with the explanation) \
            is refused (TRN-008, action training.refused) and earns nothing. \
            Exit status: 0 passed, 1 not passed, 2 an error. See docs/training.md.
            """)

    @OptionGroup var options: RegistryOptions

    @Option(name: .long, help: "The trainee's login.") var person: String?
    @Option(name: .long, help: "A scenario file (JSON) to run.") var scenario: String?
    @Option(name: .long, help: "Run every scenario of this set, in order.") var set: String?
    @Option(name: .long, help: "A folder of extra scenario files (added to those shipped with Escort).") var scenarios: String?
    @Flag(name: .long, help: "List the scenario sets and scenarios.") var list = false
    @Flag(name: .long, help: "List the stored results (of --person, or everyone).") var results = false
    @Option(name: .long, help: "Draft a scenario from a recorded session: its id, or its recording (recordings/ID.cast).") var draftFrom: String?
    @Option(name: .long, help: "With --draft-from: the scenario's id (default: session-ID).") var draftId: String?
    @Option(name: .long, help: "With --draft-from: the set it counts towards.") var draftSet = "recorded"
    @Option(name: .long, help: "With --draft-from: write the scenario here (default: standard output).") var out: String?

    func validate() throws {
        if list || results || draftFrom != nil { return }
        guard person != nil else { throw ValidationError("give --person NAME (or --list)") }
        if (scenario == nil) == (set == nil) { throw ValidationError("give either --scenario FILE or --set NAME") }
    }

    func library() throws -> ScenarioLibrary {
        var lib = try ScenarioLibrary.bundled()
        if let scenarios {
            for s in try ScenarioLibrary.load(directory: scenarios).scenarios { lib = try lib.adding(s) }
        }
        return lib
    }

    func run() async throws {
        var passedAll = true
        try await reportingErrors {
            if list { return try printList() }
            if results { return try await printResults() }
            if let draftFrom { return try await draft(draftFrom) }
            guard let person else { return }
            var lib = try library()
            let toRun: [TrainingScenario]
            let setName: String
            if let scenario {
                let s = try TrainingScenario.load(path: scenario)
                lib = try lib.adding(s)
                toRun = [s]
                setName = s.set
            } else {
                let s = try lib.set(named: set ?? "")
                toRun = s.scenarios
                setName = s.name
            }
            try await options.withStore { store in
                guard let trainee = try await store.person(named: person) else {
                    throw TrainingError(.unknownPerson, "no person named \(person) (see `escort person list`)", field: "person")
                }
                let analyser: Analyser
                switch Analyser.bundled() {
                case .success(let a): analyser = a
                case .failure(let e): throw TrainingError(.malformedScenario, "the analyser's catalogue cannot be loaded: \(e)")
                }
                for s in toRun {
                    let result = try runInteractively(s, person: trainee.name, analyser: analyser)
                    print(TrainingReportText.summary(result))
                    let set = try lib.set(named: setName)
                    let key = try await options.signingKey(for: store)
                    let log = try await AuditLog.open(store: store, key: key)
                    let recorded: RecordedTrainingResult
                    do {
                        recorded = try await TrainingCredit.record(
                            result, set: set, store: store, log: log, supervisor: supervisor(of: trainee.name))
                    } catch {
                        _ = try? await log.close()
                        throw error
                    }
                    try await log.close()
                    if recorded.after != recorded.before, let after = recorded.after {
                        print("Escort training for \(trainee.name) now valid until \(RegistryDate.format(after)) (set \(set.name): every scenario passed).")
                    } else if result.passed, !recorded.unpassed.isEmpty {
                        print("Passed. To earn escort training, also pass: \(recorded.unpassed.map(\.id).joined(separator: ", ")) (set \(set.name)).")
                    }
                    if !result.passed { passedAll = false }
                }
            }
        }
        if !passedAll { throw ExitCode(1) }
    }

    /// Who ran the command for the trainee (`--actor`, or the login running it), recorded as the
    /// run's supervisor; nil when the trainee runs it themselves.
    func supervisor(of trainee: String) -> String? {
        options.actorName == trainee ? nil : options.actorName
    }

    /// Puts each decision in front of the trainee twice and reads the answers from standard input.
    func runInteractively(_ s: TrainingScenario, person: String, analyser: Analyser) throws -> TrainingResult {
        print("")
        print("=== \(s.title) (\(s.id), set \(s.set)) — \(s.decisions.count) held commands on \(s.target) (\(s.impactLevel.rawValue)) ===")
        print(s.summary)
        print("For each command answer a (approve) or r (refuse): first on your own, then with the analyser's explanation.")
        var run = TrainingRun(scenario: s, analyser: analyser, person: person, startedAt: Date())
        let clock = ContinuousClock()
        while let p = run.current {
            if p.phase == .blind {
                print("")
                print("[\(p.number)/\(p.total)] The engineer: \"\(p.decision.context)\"")
                for (i, line) in p.decision.command.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    print((i == 0 ? "  $ " : "  > ") + line)
                }
                for (path, text) in p.decision.files.sorted(by: { $0.key < $1.key }) {
                    print("  (\(path) on the target:)")
                    for line in text.split(separator: "\n") { print("    | " + line) }
                }
            } else if let e = p.explanation {
                print("  The analyser:")
                for line in e.lines { print("    " + line) }
            }
            let started = clock.now
            let answer = try readAnswer(p.phase == .blind ? "Your decision, on your own [a/r]: " : "Your decision, with the explanation [a/r]: ")
            let elapsed = clock.now - started
            let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            try run.answer(answer, milliseconds: ms)
        }
        return try run.result(finishedAt: Date())
    }

    func readAnswer(_ prompt: String) throws -> TrainingAnswer {
        while true {
            print(prompt, terminator: "")
            fflush(nil)
            guard let line = readLine() else {
                print("")
                throw TrainingError(.incomplete, "the answers ended before every decision was made; nothing was recorded")
            }
            if let a = TrainingAnswer(parsing: line) { return a }
            print("Please answer a (approve) or r (refuse).")
        }
    }

    func printList() throws {
        let lib = try library()
        for set in lib.sets {
            print("Set \(set.name): \(set.scenarios.count) scenarios, \(set.decisionCount) decisions; a pass counts for \(set.validityDays) days")
            for s in set.scenarios {
                print("  \(s.id): \(s.title) — \(s.decisions.count) decisions (\(s.maliciousCount) malicious), \(s.target) (\(s.impactLevel.rawValue))")
            }
        }
    }

    func printResults() async throws {
        let rows = try await options.withStore { try await $0.trainingResults(person: person) }
        guard !rows.isEmpty else { return print("No training results.") }
        print(table(
            ["FINISHED", "PERSON", "SET", "SCENARIO", "RESULT", "ID"],
            rows.map { [RegistryDate.format($0.finishedAt), $0.person, $0.scenarioSet, $0.scenario, $0.passed ? "passed" : "not passed", $0.id] }))
    }
}

/// The text shown at the end of a scenario.
enum TrainingReportText {
    static func summary(_ r: TrainingResult) -> String {
        func round(_ name: String, _ s: RoundScore) -> String {
            "\(name): caught \(s.catches) of \(s.malicious) malicious, missed \(s.misses); \(s.falseAlarms) false alarm(s) of \(s.routine) routine; median \(s.medianMilliseconds / 1000).\((s.medianMilliseconds % 1000) / 100) s per decision, \(s.totalMilliseconds / 1000) s in all."
        }
        var lines = ["", "=== Result: \(r.passed ? "PASSED" : "NOT PASSED") — \(r.scenarioTitle) ==="]
        lines.append(round("On your own", r.blind))
        lines.append(round("With the analyser", r.explained))
        lines += r.reasons.map { "- " + $0 }
        if !r.feedback.isEmpty {
            lines.append("")
            lines.append("What to learn from:")
            lines += r.feedback.map(\.text)
        }
        return lines.joined(separator: "\n")
    }
}

extension TrainCommand {
    /// Writes a scenario drafted from the audit records of one recorded session.
    func draft(_ given: String) async throws {
        let session = given.hasSuffix(".cast") ? URL(fileURLWithPath: given).deletingPathExtension().lastPathComponent : given
        let opened = try await options.location().open(create: false)
        let events: [ScenarioDraft.Event]
        do {
            events = try await opened.store.auditRecords(ofSession: session).map { _, o in
                ScenarioDraft.Event(event: o["event"]?.stringValue ?? "", fields: o["fields"]?.objectValue ?? [:])
            }
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
        guard !events.isEmpty else {
            throw TrainingError(.unknownScenario, "the audit log in \(options.store) holds no session \(session)", field: "draft-from")
        }
        let id = draftId ?? "session-" + String(session.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(56))
        let bytes = try ScenarioDraft.make(session: session, events: events, id: id, title: nil, set: draftSet)
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: Data(bytes)) else {
                throw TrainingError(.malformedScenario, "cannot write \(out)", field: "out")
            }
            printError("Drafted \(out) from session \(session): review every answer and add context, then run it with --scenario \(out).")
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }
}
