#if canImport(Glibc)
import Agent
import Glibc

/// escort-agent: runs on a target, started by the Escort gateway (over SSH, or locally for the
/// demo's local-shell targets). It speaks the agent protocol on its standard input and output and
/// runs the engineer's shell under exec-time mediation. See docs/agent.md.
let usage = """
    usage: escort-agent session [--cols N] [--rows N] [--cwd DIR] [--shell PATH]
           escort-agent --version
    Speaks the Escort agent protocol on standard input and output; the shell gets this
    process's environment.
    """

func complain(_ text: String) -> Never {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(64)
}

func options(_ arguments: [String]) -> MediatedSession.Options {
    var options = MediatedSession.Options()
    var i = 0
    func value() -> String {
        guard i + 1 < arguments.count else { complain("escort-agent: \(arguments[i]) needs a value") }
        i += 1
        return arguments[i]
    }
    while i < arguments.count {
        switch arguments[i] {
        case "--cols": options.columns = UInt16(value()) ?? 80
        case "--rows": options.rows = UInt16(value()) ?? 24
        case "--cwd": options.directory = value()
        case "--shell": options.shell = value()
        default: complain("escort-agent: unknown option \(arguments[i])\n\(usage)")
        }
        i += 1
    }
    var env: [String] = []
    var p = environ
    while let e = p.pointee {
        env.append(String(cString: e))
        p += 1
    }
    options.environment = env
    return options
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--version" {
    print("escort-agent protocol \(AgentMessage.version)")
    exit(0)
}
guard arguments.first == "session" else { complain(usage) }
exit(MediatedSession(options: options(Array(arguments.dropFirst()))).run())
#else
print("escort-agent runs on Linux only")
#endif
