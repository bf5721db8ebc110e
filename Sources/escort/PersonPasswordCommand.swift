import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Console
import EscortCore
import Foundation
import Store

/// `escort person password NAME`: sets a person's web-console password and, optionally, a TOTP
/// second factor. Only the scrypt hash is stored; the change is recorded in the audit log
/// (`registry.changed`, action `person.password`) without the password or the secret.
struct PersonPasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password", abstract: "Set a person's web-console password (and optionally a TOTP second factor).",
        discussion: """
            The password is asked for twice on the terminal (not echoed), or read as one line from \
            standard input with --password-stdin (for scripts: `printf '%s\\n' \"$PW\" | escort person \
            password rita --password-stdin`). At least \(PasswordHasher.minimumLength) characters. \
            --totp makes a new TOTP secret and prints it with its otpauth:// URI for an authenticator \
            app; --remove-totp removes it; without either an existing secret is kept.
            """)

    @OptionGroup var options: RegistryOptions

    @Argument(help: "The person's login name.") var name: String
    @Flag(name: .long, help: "Read the password as one line from standard input.") var passwordStdin = false
    @Flag(name: .long, help: "Make a new TOTP secret (second factor) and print it.") var totp = false
    @Flag(name: .long, help: "Remove the TOTP second factor.") var removeTotp = false

    func validate() throws {
        if totp && removeTotp { throw ValidationError("--totp and --remove-totp contradict each other; give one") }
    }

    func run() async throws {
        try await reportingErrors {
            let existing = try await options.withStore { store in
                guard let person = try await store.person(named: name) else {
                    throw StoreError(.missing, "no person named \(name) is registered (add them first: escort person add)")
                }
                if let why = person.unavailableReason { throw StoreError(.conflict, "\(why); no web-console password is set") }
                guard !person.roles.isDisjoint(with: [.escort, .reviewer, .admin]) else {
                    throw StoreError(
                        .conflict,
                        "\(name) has no web-console role (escort, reviewer or admin; roles: \(person.sortedRoles.map(\.rawValue).joined(separator: ", "))), so a password would open nothing; add a role first (escort person update \(name) --role …)")
                }
                return try await store.credential(for: name)
            }
            let password = try readPassword()
            let hash = try PasswordHasher.hash(password)
            let secret: String? = totp ? TOTP.newSecret() : removeTotp ? nil : existing?.totpSecret
            try await options.recordingChange("person.password") { store in
                try await store.setCredential(ConsoleCredential(person: name, passwordHash: hash, totpSecret: secret, updated: Date()))
                return ["person": .string(name), "replaced": .bool(existing != nil), "totp": .bool(secret != nil)]
            }
            print("Set the web-console password of \(name)\(secret == nil ? " (no second factor)" : " with a TOTP second factor").")
            if totp, let secret {
                print("TOTP secret (enter it in an authenticator app; it is not shown again): \(secret)")
                print(TOTP.uri(secret: secret, account: name))
            }
        }
    }

    private func readPassword() throws -> String {
        if passwordStdin {
            guard let line = Swift.readLine(strippingNewline: true), !line.isEmpty else {
                throw ValidationError("--password-stdin: standard input held no password line")
            }
            return line
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw ValidationError("standard input is not a terminal: give --password-stdin to read the password from it")
        }
        let first = try Self.prompt("New web-console password for \(name): ")
        let second = try Self.prompt("Again: ")
        guard first == second else { throw ValidationError("the two passwords differ; nothing was changed") }
        return first
    }

    /// Reads one line from the terminal with echo turned off.
    private static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw ValidationError("cannot read the terminal's settings") }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = Swift.readLine(strippingNewline: true) else { throw ValidationError("no password was typed") }
        return line
    }
}
