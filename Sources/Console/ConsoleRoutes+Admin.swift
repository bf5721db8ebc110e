import AuditLog
import EscortCore
import Foundation
import Gateway
import Hummingbird
import NIOCore
import Policy

/// Replay, admin and evidence pages (admin role).
extension ConsoleRoutes {
    typealias E = HTML

    func replayList(_ identity: WebIdentity) async throws -> Response {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: context.recordingsDirectory)) ?? [])
            .filter { $0.hasSuffix(".cast") }.sorted().reversed()
        var html = "<h2>Recorded sessions</h2><ul class=\"recordings\">"
        for f in files {
            let id = String(f.dropLast(5))
            html += "<li><a href=\"/replay/\(E.escape(id))\">\(E.escape(id))</a></li>"
        }
        if files.isEmpty { html += "<li>No recordings yet.</li>" }
        return Self.html(HTML.page("Replay", identity: identity, body: html + "</ul>"))
    }

    static func safeID(_ id: String) throws -> String {
        guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw HTTPError(.badRequest, message: "Not a session id.")
        }
        return id
    }

    func replayPage(_ identity: WebIdentity, _ rawID: String) async throws -> Response {
        let id = try Self.safeID(rawID)
        let path = context.recordingsDirectory + "/\(id).cast"
        guard let data = FileManager.default.contents(atPath: path) else { throw HTTPError(.notFound, message: "No recording \(id).") }
        var markers = ""
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n").dropFirst() {
            guard let v = try? JSONParser.parse(Array(line.utf8)), let a = v.arrayValue, a.count == 3, a[1].stringValue == "m",
                  let label = a[2].stringValue else { continue }
            let t: Double = a[0].doubleValue ?? 0
            let shown = String(format: "%.1f", t)
            markers.append("<li><button type=\"button\" class=\"seek\" data-time=\"\(t)\">\(shown) s</button> \(E.escape(label))</li>")
        }
        var decisions = ""
        let wanted: Set<String> = ["command.held", "command.approved", "command.refused", "command.forwarded", "session.paused", "session.resumed", "session.killed", "escort.attached", "escort.detached"]
        let records = try await context.store.auditRecords(ofSession: id)
        let execs = Self.execTree(records)
        for (sequence, o) in records {
            guard let event = o["event"]?.stringValue, wanted.contains(event) else { continue }
            let f = o["fields"]?.objectValue ?? [:]
            let detail = ["n", "command", "risk", "approved_by", "by", "reason", "role"].compactMap { k in
                f[k].map { v in "\(k): \(v.stringValue ?? String(decoding: (try? v.canonicalBytes()) ?? [], as: UTF8.self))" }
            }.joined(separator: "; ")
            decisions += "<li><code>#\(sequence)</code> <strong>\(E.escape(event))</strong> by \(E.escape(o["actor"]?.stringValue ?? "")) — \(E.escape(detail))</li>"
        }
        let body = """
        <h2>Replay of \(E.escape(id))</h2>
        <div class="columns"><div class="left"><div id="replay" data-src="/recordings/\(E.escape(id)).cast"></div>
        <h3>Commands (click to jump)</h3><ol id="markers">\(markers)</ol></div>
        <div class="right"><h3>Decisions</h3><ol id="decisions">\(decisions)</ol>
        <h3>Programs that ran, under each command (escort-agent)</h3><div id="execs">\(execs.isEmpty ? "<p>None recorded: the session ran agentless, or started no program.</p>" : execs)</div></div></div>
        """
        return Self.html(HTML.page("Replay", identity: identity, body: body))
    }

    /// The session's program starts (`exec.*` records) grouped under the command that caused
    /// them, each indented by its depth in the session's process tree: what the escort approved
    /// beside what actually ran.
    static func execTree(_ records: [(sequence: Int64, record: [String: JSONValue])]) -> String {
        var groups: [(key: String, items: [String])] = []
        for (sequence, o) in records {
            guard let event = o["event"]?.stringValue, event.hasPrefix("exec.") else { continue }
            let f = o["fields"]?.objectValue ?? [:]
            let key = f["n"]?.integerValue.map { "Command #\($0)" } ?? "Outside any command (a background job, a prompt hook)"
            let argv = f["argv"]?.arrayValue?.compactMap(\.stringValue).joined(separator: " ") ?? "pid \(f["pid"]?.integerValue ?? 0)"
            let depth = min(f["parents"]?.arrayValue?.count ?? 0, 8)
            var detail = [event.dropFirst(5).uppercased()]
            if let r = f["resolved"]?.stringValue, !r.isEmpty { detail.append(r) }
            if let h = f["sha256"]?.stringValue, !h.isEmpty { detail.append("sha256 \(h.prefix(12))…") }
            if let b = f["basis"]?.stringValue { detail.append(b) }
            if let r = f["reason"]?.stringValue { detail.append(r) }
            if let by = f["approved_by"]?.arrayValue?.compactMap(\.stringValue), !by.isEmpty { detail.append("approved by " + by.joined(separator: ", ")) }
            let item = "<li class=\"exec \(E.escape(String(event.dropFirst(5))))\" style=\"margin-left:\(depth)em\"><code>#\(sequence)</code> <code>\(E.escape(String(argv.prefix(300))))</code> — \(E.escape(detail.joined(separator: "; ")))</li>"
            if let i = groups.firstIndex(where: { $0.key == key }) { groups[i].items.append(item) } else { groups.append((key, [item])) }
        }
        return groups.map { "<h4>\(E.escape($0.key))</h4><ul class=\"execs\">\($0.items.joined())</ul>" }.joined()
    }

    func recording(_ identity: WebIdentity, _ file: String) async throws -> Response {
        guard file.hasSuffix(".cast") else { throw HTTPError(.notFound) }
        let id = try Self.safeID(String(file.dropLast(5)))
        guard let data = FileManager.default.contents(atPath: context.recordingsDirectory + "/\(id).cast") else { throw HTTPError(.notFound) }
        return Response(status: .ok, headers: [.contentType: "application/x-asciicast"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func adminPage(_ identity: WebIdentity, _ request: Request) async throws -> Response {
        let people = try await context.store.people()
        let targets = try await context.store.targets()
        let tickets = try await context.store.tickets(person: nil, target: nil)
        var html = "<h2>Policy decision</h2><form method=\"get\" action=\"/admin\" class=\"inline\">"
        let q = request.uri.queryParameters
        let person = q["person"].map(String.init) ?? ""
        let target = q["target"].map(String.init) ?? ""
        let from = q["from"].map(String.init) ?? ""
        html += "<label>Person <select name=\"person\">" + people.map { "<option\($0.name == person ? " selected" : "")>\(E.escape($0.name))</option>" }.joined() + "</select></label>"
        html += "<label>Target <select name=\"target\">" + targets.map { "<option\($0.name == target ? " selected" : "")>\(E.escape($0.name))</option>" }.joined() + "</select></label>"
        html += "<label>From address <input name=\"from\" value=\"\(E.escape(from))\" placeholder=\"optional\"></label><button type=\"submit\">Decide</button></form>"
        if let p = people.first(where: { $0.name == person }), let t = targets.first(where: { $0.name == target }) {
            let ticketsFor = tickets.filter { $0.person == p.name && $0.target == t.name }
            let d = context.engine.access(AccessRequest(person: p, target: t, sourceAddress: from.isEmpty ? nil : from, tickets: ticketsFor, now: Date()))
            html += "<div id=\"decision\" class=\"decision-\(d.mode.rawValue)\"><p><strong>\(E.escape(d.mode.rawValue.uppercased()))</strong>: \(E.escape(p.name)) on \(E.escape(t.name)) (\(t.impactLevel.rawValue))</p><ul>"
            html += d.reasons.map { "<li>\(E.escape($0))</li>" }.joined() + "</ul></div>"
        }
        html += "<h2>People</h2><table><thead><tr><th>Name</th><th>Employer (contractor)</th><th>Citizenship</th><th>Residence</th><th>Location</th><th>Clearance</th><th>Roles</th></tr></thead><tbody>"
        for p in people {
            html += "<tr><td>\(E.escape(p.name))</td><td>\(E.escape(p.employer)) (\(E.escape(p.contractor)))</td><td>\(E.escape(p.citizenships.map(\.code).joined(separator: ", ")))</td><td>\(p.residence.code)</td><td>\(p.location.code)</td><td>\(p.clearance.rawValue)</td><td>\(E.escape(p.roles.map(\.rawValue).sorted().joined(separator: ", ")))</td></tr>"
        }
        html += "</tbody></table><h2>Targets</h2><table><thead><tr><th>Name</th><th>Impact level</th><th>Owner</th><th>Connection</th></tr></thead><tbody>"
        for t in targets {
            let connection: String = t.connection.summary
            html.append("<tr><td>\(E.escape(t.name))</td><td>\(t.impactLevel.rawValue)</td><td>\(E.escape(t.owner))</td><td>\(E.escape(connection))</td></tr>")
        }
        html += "</tbody></table><h2>Tickets</h2><table><thead><tr><th>Id</th><th>Person</th><th>Target</th><th>From</th><th>Until</th><th>Reason</th><th>Revoked</th></tr></thead><tbody>"
        let f = ISO8601DateFormatter()
        for t in tickets {
            html += "<tr><td>\(E.escape(t.id))</td><td>\(E.escape(t.person))</td><td>\(E.escape(t.target))</td><td>\(f.string(from: t.validFrom))</td><td>\(f.string(from: t.validUntil))</td><td>\(E.escape(t.reason))</td><td>\(t.revokedAt.map { f.string(from: $0) } ?? "")</td></tr>"
        }
        return Self.html(HTML.page("Admin", identity: identity, body: html + "</tbody></table>"))
    }

    func evidencePage(_ identity: WebIdentity, result: String?) async throws -> Response {
        let size = await context.audit.size
        let checkpoint = await context.audit.latestCheckpoint
        var html = "<h2>Audit log</h2><dl class=\"facts\"><dt>Records</dt><dd id=\"records\">\(size)</dd>"
        if let c = checkpoint {
            html += "<dt>Last signed checkpoint</dt><dd id=\"checkpoint\">\(c.treeSize) records, \(E.escape(c.time)), root <code>\(E.escape(c.root.hex))</code></dd>"
        } else {
            html += "<dt>Last signed checkpoint</dt><dd id=\"checkpoint\">none yet</dd>"
        }
        html += "</dl>"
        if let result { html += "<p id=\"verification\">\(result)</p>" }
        html += "<form method=\"post\" action=\"/evidence/verify\"><input type=\"hidden\" name=\"csrf\" value=\"\(identity.csrf)\"><button type=\"submit\" id=\"verify\">Verify the whole log now</button></form>"
        html += "<p class=\"hint\">An auditor verifies offline with <code>escort audit export</code> and <code>escort audit verify --export FILE</code>.</p>"
        return Self.html(HTML.page("Evidence", identity: identity, body: html))
    }

    func verify(_ request: Request, _ ctx: Context) async throws -> Response {
        let identity = try requireAdmin(ctx)
        _ = try await form(request, ctx, identity: identity)
        _ = try await context.audit.checkpoint()
        let text: String
        let fields: [String: JSONValue]
        switch try await context.store.verifyAuditLog(pinnedKey: context.audit.signingPublicKey, requirements: context.audit.verificationRequirements) {
        case .success(let chain):
            text = "<strong class=\"ok\">VERIFIED</strong>: \(chain.size) records, \(chain.checkpoints.count) signed checkpoints, \(chain.unsignedRecords) records after the last one."
            fields = ["result": "verified", "records": .integer(chain.size)]
        case .failure(let failure):
            text = "<strong class=\"bad\">FAILED</strong>: \(E.escape(failure.description))"
            fields = ["result": "failed", "record": .integer(failure.record), "reason": .string(failure.description)]
        }
        try await audit(.verificationRun, actor: identity.user.name, fields.merging(["via": "web console"]) { a, _ in a })
        return try await evidencePage(identity, result: text)
    }
}
