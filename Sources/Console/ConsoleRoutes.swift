import AuditLog
import EscortCore
import Foundation
import Gateway
import Hummingbird
import HummingbirdWebSocket
import HTTPTypes
import NIOCore
import Policy
import ShellAnalysis

/// Every route of the console. Authorisation is decided here, on the server, for every request
/// and every WebSocket: the page only shows what the server already allowed.
struct ConsoleRoutes: Sendable {
    typealias Context = ConsoleRequestContext
    let context: ConsoleContext
    let sessions = WebSessions()
    let attachments = Attachments()
    let trainingRuns = TrainingRuns()
    static let cookie = "escort_session"

    func router() -> Router<Context> {
        let router = Router(context: Context.self)
        router.middlewares.add(SecurityHeaders())
        router.middlewares.add(SignedIn(routes: self))

        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/assets/:file") { _, ctx in try self.asset(ctx.parameters.require("file")) }
        router.get("/vendor/:file") { _, ctx in try self.vendor(ctx.parameters.require("file")) }
        router.get("/login") { _, _ in Self.html(HTML.page("Sign in", identity: nil, body: Pages.login(error: nil))) }
        router.post("/login") { request, ctx in try await self.signIn(request, ctx) }
        router.post("/logout") { request, ctx in try await self.signOut(request, ctx) }

        router.get("/") { _, ctx in try await self.queuePage(try self.require(ctx)) }
        router.get("/api/queue") { _, ctx in try await Self.json(self.queue(for: try self.require(ctx))) }
        router.get("/sessions/:id") { _, ctx in try await self.sessionPage(try self.require(ctx), ctx.parameters.require("id")) }
        for action in ["approve", "refuse", "pause", "resume", "end"] {
            router.post("/sessions/:id/\(action)") { request, ctx in
                try await self.act(action, request, ctx)
            }
        }
        router.get("/replay") { _, ctx in try await self.replayList(try self.requireAdmin(ctx)) }
        router.get("/replay/:id") { _, ctx in try await self.replayPage(try self.requireAdmin(ctx), ctx.parameters.require("id")) }
        router.get("/recordings/:file") { _, ctx in try await self.recording(try self.requireAdmin(ctx), ctx.parameters.require("file")) }
        router.get("/admin") { request, ctx in try await self.adminPage(try self.requireAdmin(ctx), request) }
        router.get("/evidence") { _, ctx in try await self.evidencePage(try self.requireAdmin(ctx), result: nil) }
        router.post("/evidence/verify") { request, ctx in try await self.verify(request, ctx) }
        addTrainingRoutes(router)
        addWitnessRoutes(router)

        router.ws("/ws/queue", shouldUpgrade: { request, ctx in
            try self.requireOwnOrigin(request)
            _ = try self.require(ctx)
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, ws in
            guard let identity = ws.requestContext.identity else { return }
            try await Live.queue(self, identity, inbound, outbound)
        })
        router.ws("/ws/sessions/:id/events", shouldUpgrade: { request, ctx in
            try self.requireOwnOrigin(request)
            let identity = try self.require(ctx)
            _ = try await self.eligibleSession(identity, ctx.parameters.require("id"))
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, ws in
            guard let identity = ws.requestContext.identity, let id = ws.requestContext.parameters.get("id") else { return }
            try await Live.events(self, identity, id, inbound, outbound)
        })
        router.ws("/ws/sessions/:id/terminal", shouldUpgrade: { request, ctx in
            try self.requireOwnOrigin(request)
            let identity = try self.require(ctx)
            _ = try await self.eligibleSession(identity, ctx.parameters.require("id"))
            // asciinema-player offers "v1.alis", "v2.asciicast" and "raw"; the stream is raw
            // terminal output, and a browser drops the connection unless the server names one.
            let offered = (request.headers[.secWebSocketProtocol] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return .upgrade(offered.contains("raw") ? [.secWebSocketProtocol: "raw"] : [:])
        }, onUpgrade: { inbound, outbound, ws in
            guard let identity = ws.requestContext.identity, let id = ws.requestContext.parameters.get("id") else { return }
            try await Live.terminal(self, identity, id, inbound, outbound)
        })
        return router
    }

    // MARK: - Responses

    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try value.canonicalBytes())))
    }

    static func redirect(_ to: String) -> Response {
        Response(status: .seeOther, headers: [.location: to])
    }

    func asset(_ name: String) throws -> Response {
        let types = ["console.css": "text/css", "console.js": "text/javascript"]
        guard let type = types[name], let url = Bundle.module.url(forResource: "Assets/\(name)", withExtension: nil),
              let data = try? Data(contentsOf: url) else { throw HTTPError(.notFound) }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func vendor(_ name: String) throws -> Response {
        let types = ["asciinema-player.min.js": "text/javascript", "asciinema-player.css": "text/css"]
        guard let type = types[name], let dir = context.vendorDirectory,
              let data = FileManager.default.contents(atPath: dir + "/" + name) else { throw HTTPError(.notFound) }
        return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: - Who is asking

    func require(_ ctx: Context) throws -> WebIdentity {
        guard let identity = ctx.identity else { throw HTTPError(.unauthorized, message: "Sign in first.") }
        return identity
    }

    func requireAdmin(_ ctx: Context) throws -> WebIdentity {
        let identity = try require(ctx)
        guard identity.user.roles.contains(.admin) else { throw HTTPError(.forbidden, message: "This page needs the admin role.") }
        return identity
    }

    /// The form fields of a POST, after checking its CSRF token and origin.
    func form(_ request: Request, _ ctx: Context, identity: WebIdentity?) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: 64 * 1024)
        let fields = Self.parseForm(String(buffer: body))
        // Fail closed: a POST must say where it comes from, and that must be the console itself.
        guard let origin = request.headers[.origin], Self.isOwnOrigin(origin, of: request) else {
            throw HTTPError(.forbidden, message: "Cross-origin request refused (or no Origin header).")
        }
        if let identity {
            let token = request.headers[HTTPField.Name("X-CSRF-Token")!] ?? fields["csrf"]
            guard let token, PasswordHasher.constantTimeEqual(Array(token.utf8), Array(identity.csrf.utf8)) else {
                throw HTTPError(.forbidden, message: "Missing or wrong CSRF token; reload the page.")
            }
        }
        return fields
    }

    /// Whether `origin` is the console's own: the scheme and the host and port the request was sent
    /// to. `null`, another port or another host of the same site are not.
    static func isOwnOrigin(_ origin: String, of request: Request) -> Bool {
        let host = request.head.authority ?? ""
        return !host.isEmpty && (origin == "http://\(host)" || origin == "https://\(host)")
    }

    /// Whether a WebSocket upgrade may go ahead: the console's own origin, or a client that is not
    /// a browser. A browser always names the page's origin (`http(s)://…`), so `ws://`/`wss://`
    /// come only from other programs, which carry no escort's cookie unless they were given it; a
    /// missing Origin is refused all the same.
    static func mayUpgrade(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return false }
        if isOwnOrigin(origin, of: request) { return true }
        return !origin.contains(",") && (origin.hasPrefix("ws://") || origin.hasPrefix("wss://"))
    }

    /// Refuses a WebSocket from another origin before it reads anything or counts as presence.
    func requireOwnOrigin(_ request: Request) throws {
        guard Self.mayUpgrade(request) else { throw HTTPError(.forbidden, message: "Cross-origin WebSocket refused.") }
    }

    static func parseForm(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if let k = kv.first { out[k] = kv.count > 1 ? kv[1] : "" }
        }
        return out
    }

    func audit(_ code: AuditEventCode, session: String? = nil, actor: String, _ fields: [String: JSONValue]) async throws {
        _ = try await context.audit.append(AuditEvent(code: code, session: session, actor: actor, fields: fields))
    }

    // MARK: - Sign-in

    func signIn(_ request: Request, _ ctx: Context) async throws -> Response {
        let f = try await form(request, ctx, identity: nil)
        let name = (f["name"] ?? "").trimmingCharacters(in: .whitespaces)
        func refuse(_ reason: String, shown: String, status: HTTPResponse.Status = .unauthorized) async throws -> Response {
            await sessions.recordFailure(account: name, source: ctx.source)
            try await audit(.consoleSignInRefused, actor: name.isEmpty ? "?" : name, ["source": .string(ctx.source), "reason": .string(reason)])
            return Self.html(HTML.page("Sign in", identity: nil, body: Pages.login(error: shown)), status: status)
        }
        if await sessions.isLimited(account: name, source: ctx.source) {
            try await audit(.consoleSignInRefused, actor: name.isEmpty ? "?" : name, ["source": .string(ctx.source), "reason": "rate limited"])
            return Self.html(HTML.page("Sign in", identity: nil, body: Pages.login(error: "Too many failed sign-ins; wait five minutes.")), status: .tooManyRequests)
        }
        let wrong = "Wrong name, password or code."
        guard let person = try await context.store.person(named: name), let credential = try await context.store.credential(for: name) else {
            _ = PasswordHasher.verify(f["password"] ?? "", against: Self.dummyHash)  // same work either way
            return try await refuse("unknown account or no console password", shown: wrong)
        }
        guard PasswordHasher.verify(f["password"] ?? "", against: credential.passwordHash) else {
            return try await refuse("wrong password", shown: wrong)
        }
        if let secret = credential.totpSecret {
            guard TOTP.verify(f["code"] ?? "", secret: secret, at: Date()) else { return try await refuse("wrong second-factor code", shown: wrong) }
        }
        let user = RegistryAuthority.user(person)
        guard !user.roles.isDisjoint(with: [.escort, .reviewer, .admin]) else {
            return try await refuse("not an escort, reviewer or admin", shown: "The console is for escorts, technical reviewers and admins.", status: .forbidden)
        }
        let identity = await sessions.create(for: user)
        try await audit(.consoleSignedIn, actor: name, ["source": .string(ctx.source), "second_factor": .bool(credential.totpSecret != nil)])
        var response = Self.redirect("/")
        response.setCookie(Cookie(name: Self.cookie, value: identity.token, path: "/", secure: context.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    static let dummyHash = (try? PasswordHasher.hash("not-a-real-password-at-all")) ?? ""

    func signOut(_ request: Request, _ ctx: Context) async throws -> Response {
        let identity = try require(ctx)
        _ = try await form(request, ctx, identity: identity)
        await sessions.end(identity.token)
        var response = Self.redirect("/login")
        response.setCookie(Cookie(name: Self.cookie, value: "", maxAge: 0, path: "/", secure: context.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    // MARK: - Queue and sessions

    /// The role `identity` may take in a live session, or a 403/404 saying why not.
    func eligibleSession(_ identity: WebIdentity, _ id: String) async throws -> (SessionSummary, WatcherRole) {
        guard let summary = await context.hub.summary(id) else { throw HTTPError(.notFound, message: "There is no live session \(id).") }
        guard summary.engineer.name != identity.user.name else {
            throw HTTPError(.forbidden, message: "You cannot escort or review your own session.")
        }
        guard let role = try await role(of: identity, on: summary) else {
            throw HTTPError(.forbidden, message: "You are not eligible to escort or review sessions on \(summary.target).")
        }
        return (summary, role)
    }

    func role(of identity: WebIdentity, on summary: SessionSummary) async throws -> WatcherRole? {
        guard summary.engineer.name != identity.user.name, let target = try await context.authority.target(named: summary.target) else { return nil }
        if identity.user.roles.contains(.escort), try await context.authority.mayEscort(user: identity.user, target: target).allowed { return .escort }
        if identity.user.roles.contains(.reviewer), try await context.authority.mayReview(user: identity.user, target: target).allowed { return .reviewer }
        return nil
    }

    /// The sessions `identity` may escort or review: held commands first (highest risk, newest),
    /// then sessions waiting for an escort, then the rest.
    func queue(for identity: WebIdentity) async throws -> JSONValue {
        var rows: [(Int, Double, JSONValue)] = []
        for s in await context.hub.list() {
            guard let role = try await role(of: identity, on: s) else { continue }
            var row: [String: JSONValue] = [
                "id": .string(s.id), "engineer": .string(s.engineer.name), "engineer_name": .string(s.engineer.displayName),
                "profile": .string(s.engineer.profile), "target": .string(s.target), "impact_level": .string(s.impactLevel),
                "mode": .string(s.mode.rawValue), "escorts": .array(s.escorts.map { .string($0) }), "paused": .bool(s.paused),
                "waiting_for_escort": .bool(s.waitingForEscort), "role": .string(role.rawValue),
            ]
            var rank = 0
            var time = s.started.timeIntervalSince1970
            if let h = s.held {
                row["held"] = ["id": .integer(Int64(h.id)), "risk": .string(h.analysis.risk.rawValue), "summary": .string(h.analysis.summary),
                               "command": .string(h.command), "needs_reviewer": .bool(h.needsReviewer)]
                rank = 10 + (RiskLevel.allCases.firstIndex(of: h.analysis.risk) ?? 0)
                time = h.heldAt.timeIntervalSince1970
            } else if s.waitingForEscort {
                rank = 5
            }
            rows.append((rank, time, .object(row)))
        }
        rows.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 > $1.1 }
        return ["sessions": .array(rows.map(\.2))]
    }

    func queuePage(_ identity: WebIdentity) async throws -> Response {
        Self.html(HTML.page("Queue", identity: identity, body: Pages.queue(try await queue(for: identity))))
    }

    func sessionPage(_ identity: WebIdentity, _ id: String) async throws -> Response {
        let (summary, role) = try await eligibleSession(identity, id)
        let person = try await context.store.person(named: summary.engineer.name)
        let body = Pages.session(summary, person: person, role: role, card: summary.held.map { HTML.card($0, analyser: context.analyser) },
                                 playerAvailable: context.vendorDirectory.map { FileManager.default.fileExists(atPath: $0 + "/asciinema-player.min.js") } ?? false)
        return Self.html(HTML.page("Session \(id)", identity: identity, body: body))
    }

    /// Approve, refuse, pause, resume or end, through the attachment the session page made.
    func act(_ action: String, _ request: Request, _ ctx: Context) async throws -> Response {
        let identity = try require(ctx)
        let f = try await form(request, ctx, identity: identity)
        let id = try ctx.parameters.require("id")
        let (summary, role) = try await eligibleSession(identity, id)
        guard let token = await attachments.token(for: identity, session: id) else {
            throw HTTPError(.conflict, message: "Open the session first: decisions are made while watching it.")
        }
        let hub = context.hub
        do {
            let message: String
            switch action {
            case "approve", "refuse":
                // The decision names the card the escort saw; the settle time and the confirmation
                // of high and critical holds are checked before the hub sees it.
                let hold = f["hold"].flatMap { Int($0) }
                let approve = action == "approve"
                let check = await attachments.decisionGuard(for: identity, session: id)
                try check.check(held: summary.held, holdID: hold, digest: f["digest"], approve: approve, confirmation: f["confirm"], now: Date())
                message = try await hub.decide(token, session: id, holdID: hold, approve: approve, reason: f["reason"])
                if let hold { await attachments.decided(hold, for: identity, session: id, at: Date()) }
            case "pause", "resume":
                // Fail closed: a pause takes effect before its record (it only stops commands);
                // a resume only after its record is durable.
                let pause = action == "pause"
                let fields: [String: JSONValue] = ["via": "web console", "role": .string(role.rawValue), "target": .string(summary.target)]
                if pause { try await hub.setPaused(true, token: token, session: id) }
                try await audit(pause ? .sessionPaused : .sessionResumed, session: id, actor: identity.user.name, fields)
                if !pause { try await hub.setPaused(false, token: token, session: id) }
                message = pause ? "Paused." : "Resumed."
            default:
                let reason = (f["reason"] ?? "").trimmingCharacters(in: .whitespaces)
                try await hub.end(token: token, session: id, reason: reason.isEmpty ? "ended by \(identity.user.name) from the web console" : reason)
                message = "Ended."
            }
            return try Self.json(["ok": true, "message": .string(message)])
        } catch let e as ModerationError {
            return try Self.json(["ok": false, "error": .string(e.description), "code": .string(e.code.rawValue)], status: .conflict)
        }
    }
}

/// Security headers on every response: a strict CSP (no inline script, no third-party origin),
/// no framing, no sniffing, no referrer to other sites.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = ConsoleRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let e as HTTPError {
            if e.status == .unauthorized, request.method == .get, !request.uri.path.hasPrefix("/api"), !request.uri.path.hasPrefix("/ws") {
                response = ConsoleRoutes.redirect("/login")
            } else {
                response = ConsoleRoutes.html(HTML.page("Error", identity: context.identity, body: "<p class=\"error\">\(HTML.escape(e.body ?? "\(e.status)"))</p>"), status: e.status)
            }
        }
        // 'wasm-unsafe-eval' lets asciinema-player compile its terminal emulator (WebAssembly,
        // served from /vendor); it does not allow eval() or inline script.
        response.headers[.contentSecurityPolicy] = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        // `same-origin`, not `no-referrer`: under `no-referrer` Chromium sends `Origin: null` with the
        // console's own form posts, which the origin check then (rightly) refuses.
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return response
    }
}

/// Finds the signed-in identity from the session cookie, with the person's current roles
/// (a person removed from the registry, or whose roles changed, is seen as they are now).
struct SignedIn: RouterMiddleware {
    typealias Context = ConsoleRequestContext
    let routes: ConsoleRoutes
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = request.cookies[ConsoleRoutes.cookie]?.value, var identity = await routes.sessions.identity(token) {
            if let person = try await routes.context.store.person(named: identity.user.name) {
                identity.user = RegistryAuthority.user(person)
                context.identity = identity
            } else {
                await routes.sessions.end(token)
            }
        }
        return try await next(request, context)
    }
}
