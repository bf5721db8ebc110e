import Foundation

/// Headless Chromium, driven through Selenium by `Tests/Browser/console_driver.py`, for the web
/// console's end-to-end tests. The test decides what to do and checks what it sees; the driver
/// only clicks, types, waits and reads.
///
/// Needs what `scripts/setup.sh` installs: Debian's `chromium` and `chromium-driver`, and Selenium
/// in `.venv-tools`. ``start(packageRoot:)`` throws a message saying so when any is missing.
public final class Browser: @unchecked Sendable {
    let process: InteractiveProcess
    private var next = 1

    /// What the driver answered: the result text (JSON-decoded) or why it failed.
    public enum Answer: Sendable, CustomStringConvertible {
        case ok(String)
        case failed(String)

        public var text: String? { if case .ok(let t) = self { t } else { nil } }
        public var description: String {
            switch self {
            case .ok(let t): "ok \(t)"
            case .failed(let why): "failed: \(why)"
            }
        }
    }

    private init(process: InteractiveProcess) { self.process = process }

    /// Starts Chromium. Throws if it or the driver cannot be started.
    public static func start(packageRoot: URL) async throws -> Browser {
        let python = packageRoot.appendingPathComponent(".venv-tools/bin/python3").path
        let script = packageRoot.appendingPathComponent("Tests/Browser/console_driver.py").path
        for (path, what) in [(python, ".venv-tools (Selenium)"), ("/usr/bin/chromium", "chromium"), ("/usr/bin/chromedriver", "chromium-driver")]
        where !FileManager.default.isExecutableFile(atPath: path) {
            throw TestSetupError("\(what) is missing (\(path)): run `bash scripts/setup.sh`")
        }
        let process = try InteractiveProcess(python, [script], environment: ["SE_OFFLINE": "true", "PYTHONUNBUFFERED": "1"])
        guard await process.waitFor("#0 ", timeout: 60), process.output.contains("#0 ok") else {
            process.terminate()
            throw TestSetupError("the browser did not start: \(process.output) \(process.errorOutput)")
        }
        return Browser(process: process)
    }

    /// Sends one step and waits for its answer.
    @discardableResult
    public func run(_ verb: String, _ arguments: [String] = [], timeout: Double = 60) async -> Answer {
        let n = next
        next += 1
        let mark = process.output.count
        let payload = (try? JSONSerialization.data(withJSONObject: arguments)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        process.send("\(n) \(verb) \(payload)\n")
        let tag = "#\(n) "
        guard await process.waitFor(tag, after: mark, timeout: timeout) else {
            return .failed("no answer to \(verb) \(arguments) within \(timeout)s; stderr: \(process.errorOutput.suffix(2000))")
        }
        // Wait for the end of the answer's line.
        for _ in 0..<50 {
            let out = String(process.output.dropFirst(mark))
            if let start = out.range(of: tag), let end = out[start.upperBound...].firstIndex(of: "\n") {
                let line = String(out[start.upperBound..<end])
                if line.hasPrefix("ok ") {
                    let body = String(line.dropFirst(3))
                    let decoded = (try? JSONSerialization.jsonObject(with: Data(body.utf8), options: .fragmentsAllowed)) as? String
                    return .ok(decoded ?? body)
                }
                return .failed(String(line.dropFirst(line.hasPrefix("fail ") ? 5 : 0)))
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return .failed("an unfinished answer to \(verb)")
    }

    public func get(_ url: String) async -> Answer { await run("get", [url]) }
    public func fill(_ css: String, _ text: String) async -> Answer { await run("fill", [css, text]) }
    public func click(_ css: String) async -> Answer { await run("click", [css]) }
    public func key(_ key: String) async -> Answer { await run("key", [key]) }
    public func text(_ css: String) async -> Answer { await run("text", [css]) }
    public func screenshot(_ path: String) async -> Answer { await run("screenshot", [path]) }
    /// Runs `script` in the page (a function body: `return …`); the answer is its value as JSON text.
    public func js(_ script: String) async -> Answer { await run("js", [script]) }

    /// Waits until the element `css` exists and its text contains `text`.
    public func wait(_ css: String, shows text: String, seconds: Double = 30) async -> Answer {
        await run("wait", [css, text, String(seconds)], timeout: seconds + 30)
    }

    /// Closes the browser.
    public func quit() async {
        _ = await run("quit", [], timeout: 30)
        if await process.waitForExit(timeout: 30) == nil { process.terminate() }
    }
}
