import EscortTesting

/// Waits for an `escort serve` or `escort demo` process to say it listens; its SSH port.
func gatewayPort(_ process: InteractiveProcess, _ what: String = "the gateway") async throws -> Int {
    guard await process.waitFor("listening on 127.0.0.1:", timeout: 60),
          let range = process.output.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression),
          let port = Int(process.output[range].split(separator: ":").last ?? "")
    else { throw TestSetupError("\(what) did not start: \(process.output) \(process.errorOutput)") }
    return port
}
