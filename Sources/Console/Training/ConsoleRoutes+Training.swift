import Foundation
import HTTPTypes
import Hummingbird
import Training

/// The escort-training page: any signed-in person may train. Runs are kept on the server
/// (``TrainingRuns``); results are recorded through ``TrainingCredit/record(_:set:store:log:supervisor:plausibility:)``,
/// the same as `escort train`.
extension ConsoleRoutes {
    func addTrainingRoutes(_ router: Router<Context>) {
        router.get("/training") { _, ctx in try await self.trainingPage(try self.require(ctx)) }
        router.post("/training/start") { request, ctx in try await self.startTraining(request, ctx) }
        router.get("/training/runs/:id") { _, ctx in try await self.trainingStep(try self.require(ctx), ctx.parameters.require("id")) }
        router.post("/training/runs/:id/answer") { request, ctx in try await self.answerTraining(request, ctx) }
        router.get("/training/results/:id") { _, ctx in try await self.trainingResult(try self.require(ctx), ctx.parameters.require("id")) }
    }

    func library() throws -> ScenarioLibrary {
        switch context.scenarios {
        case .success(let library): return library
        case .failure(let e): throw HTTPError(.serviceUnavailable, message: "The training scenarios cannot be loaded: \(e)")
        }
    }

    func trainingPage(_ identity: WebIdentity) async throws -> Response {
        let name = identity.user.name
        let body = TrainingPages.index(
            library: try library(), person: try await context.store.person(named: name),
            results: try await context.store.trainingResults(person: name),
            inProgress: await trainingRuns.active(for: identity), csrf: identity.csrf, now: Date())
        return Self.html(HTML.page("Training", identity: identity, body: body))
    }

    func startTraining(_ request: Request, _ ctx: Context) async throws -> Response {
        let identity = try require(ctx)
        let f = try await form(request, ctx, identity: identity)
        let scenario: TrainingScenario
        do { scenario = try library().scenario(id: f["scenario"] ?? "") } catch let e as TrainingError {
            throw HTTPError(.badRequest, message: e.message)
        }
        let id = await trainingRuns.start(scenario, analyser: context.analyser, identity: identity)
        return Self.redirect("/training/runs/\(id)")
    }

    func trainingStep(_ identity: WebIdentity, _ id: String) async throws -> Response {
        let run = try await trainingRuns.serve(id, identity: identity)
        guard let prompt = run.current else { throw HTTPError(.conflict, message: "This training run is already finished.") }
        let body = TrainingPages.decision(prompt, scenario: run.scenario, run: id, csrf: identity.csrf)
        return Self.html(HTML.page("Training", identity: identity, body: body))
    }

    func answerTraining(_ request: Request, _ ctx: Context) async throws -> Response {
        let identity = try require(ctx)
        let f = try await form(request, ctx, identity: identity)
        let id = try ctx.parameters.require("id")
        guard let step = f["step"].flatMap({ Int($0) }), let answer = f["answer"].flatMap({ TrainingAnswer(rawValue: $0) }) else {
            throw HTTPError(.badRequest, message: "An answer needs a step and approve or refuse.")
        }
        guard case .finished(let run) = try await trainingRuns.answer(id, identity: identity, step: step, answer) else {
            return Self.redirect("/training/runs/\(id)")
        }
        let result = try run.result(finishedAt: Date())
        let recording: TrainingPages.Recording
        var implausible = false
        do {
            let set = try library().set(named: result.scenarioSet)
            recording = .recorded(try await TrainingCredit.record(
                result, set: set, store: context.store, log: context.audit, supervisor: nil, plausibility: context.trainingPlausibility))
        } catch {
            implausible = (error as? TrainingError)?.code == .implausible
            recording = .notRecorded((error as? TrainingError)?.message ?? "\(error)")
        }
        let status: HTTPResponse.Status
        if case .notRecorded = recording { status = implausible ? .unprocessableContent : .internalServerError } else { status = .ok }
        return Self.html(HTML.page("Training result", identity: identity, body: TrainingPages.result(result, recording: recording)), status: status)
    }

    func trainingResult(_ identity: WebIdentity, _ id: String) async throws -> Response {
        let rows = try await context.store.trainingResults(person: identity.user.name)
        guard let row = rows.first(where: { $0.id == id }) else { throw HTTPError(.notFound, message: "You have no training result \(id).") }
        let result: TrainingResult
        do { result = try TrainingResult.decode(json: row.body) } catch { throw HTTPError(.internalServerError, message: error.message) }
        return Self.html(HTML.page("Training result", identity: identity, body: TrainingPages.result(result, recording: .stored)))
    }
}
