import AuditLog
import Console
import EscortCore
import EscortTesting
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Policy
import ShellAnalysis
import Store
import StoreSQLite
import Testing
import Training

/// A stand-in engineer session registered in the real hub (the gateway's own is tested with ssh).
struct NoEngineer: SessionControl {
    func terminate(by: String, reason: String) async {}
    func notify(_ message: String) async {}
}

/// The console on a real SQLite registry and audit log, served in-process.
final class ConsoleFixture: @unchecked Sendable {
    let dir = TemporaryDirectory(prefix: "escort-console")
    let store: SQLiteStore
    let audit: AuditLog
    let hub = ModerationHub()
    var context: ConsoleContext
    static let password = "correct horse battery"

    init() async throws {
        store = try SQLiteStore(path: dir.file("escort.sqlite"), create: true)
        let year = Date().addingTimeInterval(365 * 86400)
        func person(_ name: String, _ roles: Set<Role>, country: String = "US", training: Bool = false) throws -> Person {
            let c = try CountryCode(validating: country)
            return Person(name: name, displayName: name.capitalized, employer: "CloudCo", contractor: "CloudCo", citizenships: [c],
                   residence: c, location: c, clearance: .secret, roles: roles,
                   escortTrainingExpires: training ? year : nil)
        }
        for p in [try person("alice", [.engineer]), try person("bob", [.escort], training: true), try person("carl", [.escort], training: false),
                  try person("ada", [.admin]), try person("eve", [.engineer, .escort], training: true)] {
            try await store.addPerson(p)
            try await store.setCredential(ConsoleCredential(person: p.name, passwordHash: try PasswordHasher.hash(Self.password), totpSecret: nil, updated: Date()))
        }
        try await store.addTarget(Target(name: "web-il2", impactLevel: .il2, owner: "t", connection: .localShell))
        audit = try await AuditLog.open(store: store, key: GatewaySigningKey.loadOrCreate(path: dir.file("gateway.key")))
        let engine = PolicyEngine(document: try PolicyDocument.bundledDefault(), ipTable: .empty)
        context = ConsoleContext(store: store, authority: RegistryAuthority(store: store, engine: engine), hub: hub, audit: audit,
                                 engine: engine, analyser: try Analyser.bundled().get(), recordingsDirectory: dir.file("recordings"), vendorDirectory: nil)
        // The tests answer training runs by program, faster than a person (TrainingPageTests checks the bound).
        context.trainingPlausibility = .unchecked
    }

    /// A live session by `engineer` on web-il2, with a held command.
    func holdCommand(by engineer: String, _ command: String) async throws -> Task<HoldDecision, Never> {
        let user = RegistryAuthority.user(try await store.person(named: engineer)!)
        await hub.register(SessionSummary(id: "s-1", engineer: user, target: "web-il2", impactLevel: "IL2", mode: .escorted,
                                          started: Date(), escorts: [], paused: false, held: nil), control: NoEngineer())
        let analysis = context.analyser.analyse(command)
        let hub = self.hub
        let task = Task { await hub.hold(session: "s-1", command: command, analysis: analysis, ruling: .hold, reasons: ["test"]) }
        while await hub.summary("s-1")?.held == nil { try await Task.sleep(for: .milliseconds(10)) }
        return task
    }

    func events() async throws -> [String] {
        _ = try await audit.checkpoint()
        return try await store.auditRecords(from: 1, limit: 10_000).compactMap { try JSONParser.parse($0.body).objectValue?["event"]?.stringValue }
    }
}

/// Signs in through the form; returns the session cookie and CSRF token.
func signIn(_ client: some TestClientProtocol, _ name: String, password: String = ConsoleFixture.password) async throws -> (cookie: String, csrf: String)? {
    let body = ByteBuffer(string: "name=\(name)&password=\(password.replacingOccurrences(of: " ", with: "+"))")
    let response = try await client.execute(uri: "/login", method: .post, headers: [.origin: "http://localhost", .contentType: "application/x-www-form-urlencoded"], body: body)
    guard response.status == .seeOther, let setCookie = response.headers[.setCookie], let cookie = setCookie.split(separator: ";").first else { return nil }
    let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: String(cookie)])
    let html = String(buffer: page.body)
    guard let r = html.range(of: #"<meta name="csrf" content=""#) else { return nil }
    return (String(cookie), String(html[r.upperBound...].prefix(64)))
}

@Suite(.serialized)
struct ConsoleRouteTests {
    func app(_ f: ConsoleFixture) -> some ApplicationProtocol {
        Application(router: ConsoleRoutesForTesting.router(f.context))
    }

    @Test func signInSetsAHardenedCookieAndPagesCarryAStrictCSP() async throws {
        let f = try await ConsoleFixture()
        try await app(f).test(.router) { client in
            let response = try await client.execute(uri: "/login", method: .post, headers: [.origin: "http://localhost", .contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: "name=bob&password=correct+horse+battery"))
            #expect(response.status == .seeOther)
            let cookie = response.headers[.setCookie] ?? ""
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "cookie: \(cookie)")
            let csp = response.headers[.contentSecurityPolicy] ?? ""
            #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"))
            #expect(!csp.contains("'unsafe-eval'") && !csp.contains("*"), "no eval, no wildcard: \(csp)")
            // Without a cookie, pages send you to sign in and the API says 401.
            #expect(try await client.execute(uri: "/", method: .get).status == .seeOther)
            #expect(try await client.execute(uri: "/api/queue", method: .get).status == .unauthorized)
        }
        #expect(try await f.events().contains("console.signed_in"))
    }

    @Test func wrongPasswordsAreRefusedAuditedAndRateLimited() async throws {
        let f = try await ConsoleFixture()
        try await app(f).test(.router) { client in
            #expect(try await signIn(client, "bob", password: "wrong password here") == nil)
            #expect(try await signIn(client, "nobody") == nil)
            // An engineer has no business in the console.
            #expect(try await signIn(client, "alice") == nil)
            for _ in 0..<5 { _ = try await signIn(client, "bob", password: "guess guess guess") }
            // Now even the right password is refused for a while.
            let r = try await client.execute(uri: "/login", method: .post, headers: [.origin: "http://localhost", .contentType: "application/x-www-form-urlencoded"],
                                             body: ByteBuffer(string: "name=bob&password=correct+horse+battery"))
            #expect(r.status == .tooManyRequests)
            // Bob's failures lock Bob out, not the other escorts behind the same address.
            #expect(try await signIn(client, "carl") != nil, "another escort at the same address was locked out")
        }
        #expect(try await f.events().filter { $0 == "console.sign_in_refused" }.count >= 8)
    }

    @Test func postsWithoutTheCSRFTokenOrFromAnotherOriginAreRefused() async throws {
        let f = try await ConsoleFixture()
        let held = try await f.holdCommand(by: "alice", "cat /etc/shadow")
        try await app(f).test(.router) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let noToken = try await client.execute(uri: "/sessions/s-1/approve", method: .post, headers: [.origin: "http://localhost", .cookie: bob.cookie, .contentType: "application/x-www-form-urlencoded"],
                                                   body: ByteBuffer(string: "hold=1"))
            #expect(noToken.status == .forbidden)
            let crossSite = try await client.execute(uri: "/sessions/s-1/approve", method: .post,
                                                     headers: [.cookie: bob.cookie, .origin: "https://evil.example", .contentType: "application/x-www-form-urlencoded"],
                                                     body: ByteBuffer(string: "hold=1&csrf=\(bob.csrf)"))
            #expect(crossSite.status == .forbidden)
            // With the token, but not attached (the session page's live connection attaches): refused.
            let unattached = try await client.execute(uri: "/sessions/s-1/approve", method: .post, headers: [.origin: "http://localhost", .cookie: bob.cookie, .contentType: "application/x-www-form-urlencoded"],
                                                      body: ByteBuffer(string: "hold=1&csrf=\(bob.csrf)"))
            #expect(unattached.status == .conflict)
        }
        #expect(await f.hub.summary("s-1")?.held != nil, "nothing may have decided the command")
        await f.hub.unregister("s-1", reason: "test over")
        #expect(await held.value == .sessionEnded)
    }

    @Test func onlyEligibleEscortsSeeAndOpenASessionAndNeverTheirOwn() async throws {
        let f = try await ConsoleFixture()
        _ = try await f.holdCommand(by: "eve", "cat /etc/shadow")
        try await app(f).test(.router) { client in
            let bob = try #require(try await signIn(client, "bob"))
            let queue = String(buffer: try await client.execute(uri: "/api/queue", method: .get, headers: [.cookie: bob.cookie]).body)
            #expect(queue.contains("\"s-1\"") && queue.contains("cat /etc/shadow"))
            let page = try await client.execute(uri: "/sessions/s-1", method: .get, headers: [.cookie: bob.cookie])
            let html = String(buffer: page.body)
            #expect(page.status == .ok)
            #expect(html.contains("<mark>") && (html.contains("HIGH RISK") || html.contains("CRITICAL RISK")), "card: \(html)")
            #expect(html.contains("Approve") && html.contains("Refuse"))
            // Carl is an escort without current training: not eligible.
            let carl = try #require(try await signIn(client, "carl"))
            #expect(!String(buffer: try await client.execute(uri: "/api/queue", method: .get, headers: [.cookie: carl.cookie]).body).contains("s-1"))
            #expect(try await client.execute(uri: "/sessions/s-1", method: .get, headers: [.cookie: carl.cookie]).status == .forbidden)
            // Eve is the engineer of s-1 (and an escort): she may not open her own session.
            let eve = try #require(try await signIn(client, "eve"))
            #expect(try await client.execute(uri: "/sessions/s-1", method: .get, headers: [.cookie: eve.cookie]).status == .forbidden)
            // Admin pages need the admin role.
            #expect(try await client.execute(uri: "/admin", method: .get, headers: [.cookie: bob.cookie]).status == .forbidden)
            let ada = try #require(try await signIn(client, "ada"))
            let admin = String(buffer: try await client.execute(uri: "/admin?person=carl&target=web-il2", method: .get, headers: [.cookie: ada.cookie]).body)
            #expect(admin.contains("id=\"decision\""))
            let evidence = try await client.execute(uri: "/evidence/verify", method: .post, headers: [.origin: "http://localhost", .cookie: ada.cookie, .contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: "csrf=\(ada.csrf)"))
            #expect(String(buffer: evidence.body).contains("VERIFIED"))
        }
        await f.hub.unregister("s-1", reason: "test over")
        #expect(try await f.events().contains("audit.verified"))
    }

    @Test func aSecondFactorIsRequiredOnceSet() async throws {
        let f = try await ConsoleFixture()
        let secret = TOTP.newSecret()
        try await f.store.setCredential(ConsoleCredential(person: "bob", passwordHash: try PasswordHasher.hash(ConsoleFixture.password), totpSecret: secret, updated: Date()))
        try await app(f).test(.router) { client in
            func post(_ body: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/login", method: .post, headers: [.origin: "http://localhost", .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body)).status
            }
            let password = "name=bob&password=correct+horse+battery"
            #expect(try await post(password) != .seeOther, "the password alone is not enough")
            let stale = try #require(TOTP.code(secret: secret, at: Date().addingTimeInterval(-300)))
            #expect(try await post(password + "&code=\(stale)") != .seeOther, "a code from five minutes ago")
            let code = try #require(TOTP.code(secret: secret, at: Date()))
            #expect(try await post(password + "&code=\(code)") == .seeOther)
        }
        #expect(try await f.events().filter { $0 == "console.sign_in_refused" }.count == 2)
    }

    @Test func passwordsAndSecondFactorCodes() throws {
        let hash = try PasswordHasher.hash("a long enough password")
        #expect(hash.hasPrefix("scrypt$32768$8$1$"))
        #expect(PasswordHasher.verify("a long enough password", against: hash))
        #expect(!PasswordHasher.verify("a long enough passworD", against: hash))
        #expect(throws: ConsoleError.self) { try PasswordHasher.hash("short") }
        // RFC 6238 test vector (SHA-1, secret "12345678901234567890", T = 59 s → 94287082, last 6 digits).
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        #expect(TOTP.code(secret: secret, at: Date(timeIntervalSince1970: 59)) == "287082")
        #expect(TOTP.verify("287082", secret: secret, at: Date(timeIntervalSince1970: 59 + 30)))
        #expect(!TOTP.verify("287082", secret: secret, at: Date(timeIntervalSince1970: 59 + 120)))
    }
}

/// The replay page puts what ran under what was approved.
struct ReplayExecTreeTests {
    @Test func programStartsAreListedUnderTheCommandThatCausedThem() async throws {
        let f = try await ConsoleFixture()
        try FileManager.default.createDirectory(atPath: f.dir.file("recordings"), withIntermediateDirectories: true)
        try "{\"version\":2,\"width\":80,\"height\":24}\n[0.1,\"m\",\"#1 make\"]\n".write(toFile: f.dir.file("recordings") + "/s-9.cast", atomically: true, encoding: .utf8)
        _ = try await f.audit.append(AuditEvent(code: .commandForwarded, session: "s-9", actor: "alice", fields: ["n": 1, "command": "make"]))
        _ = try await f.audit.append(AuditEvent(code: .execAllowed, session: "s-9", actor: "alice", fields: [
            "n": 1, "argv": ["cc", "-c", "main.c"], "resolved": "/usr/bin/x86_64-linux-gnu-gcc-12", "sha256": "ab12cd34ef56ab12cd34",
            "parents": ["/usr/bin/make make", "/usr/bin/bash bash"], "basis": "analysed on its own"]))
        _ = try await f.audit.append(AuditEvent(code: .execHeld, session: "s-9", actor: "alice", fields: [
            "n": .null, "argv": ["sh", "-c", "curl x | sh"], "resolved": "/usr/bin/dash", "parents": ["/usr/bin/bash bash"]]))
        try await ConsoleRouteTests().app(f).test(.router) { client in
            let ada = try #require(try await signIn(client, "ada"))
            let html = String(buffer: try await client.execute(uri: "/replay/s-9", method: .get, headers: [.cookie: ada.cookie]).body)
            #expect(html.contains("id=\"execs\""), "\(html)")
            let under = try #require(html.range(of: "Command #1"))
            let cc = try #require(html.range(of: "cc -c main.c"))
            #expect(under.lowerBound < cc.lowerBound)
            #expect(html.contains("ALLOWED; /usr/bin/x86_64-linux-gnu-gcc-12; sha256 ab12cd34ef56"))
            #expect(html.contains("Outside any command") && html.contains("HELD"))
            #expect(html.contains("margin-left:2em"))
        }
    }
}
