import CodeServer
import Sandbox

/// The JSON-line commands: each decodes its fields, makes one engine call and maps the outcome to
/// `{"ok":true,…}` or `{"ok":false,"error":{"code","message"}}`. No logic beyond that.
struct CoordinatorCommands {
    let engine: Engine
    let journal: SQLiteJournal

    static func error(_ code: String, _ message: String) -> JSONValue {
        ["ok": false, "error": ["code": .string(code), "message": .string(message)]]
    }

    private struct BadRequest: Error {
        var message: String
    }

    private static func field(_ command: JSONValue, _ name: String) throws(BadRequest) -> String {
        guard let value = command[name]?.stringValue else { throw BadRequest(message: "missing string field '\(name)'") }
        return value
    }

    func run(_ line: String) async -> JSONValue {
        let command: JSONValue
        do {
            command = try JSONParser.parse(line)
        } catch {
            return Self.error("invalid_json", "\(error)")
        }
        do {
            return try await dispatch(command)
        } catch let error as BadRequest {
            return Self.error("invalid_command", error.message)
        } catch let error as ProjectError {
            return Self.error(error.code, error.description)
        } catch let error as ConversationError {
            return Self.error(error.code, error.description)
        } catch let error as TelemetryStoreError {
            return Self.error("store_unavailable", "\(error)")
        } catch {
            return Self.error("internal", "\(error)")
        }
    }

    private func dispatch(_ command: JSONValue) async throws -> JSONValue {
        switch command["cmd"]?.stringValue {
        case "start_project":
            let project = try await engine.startProject(
                root: Self.field(command, "root"), options: command["options"] ?? [:], id: command["id"]?.stringValue)
            return ["ok": true, "id": .string(project.id), "root": .string(project.root)]
        case "stop_project":
            try await engine.stopProject(Self.field(command, "id"))
            return ["ok": true]
        case "list_projects":
            return ["ok": true, "projects": .array(await engine.listProjects().map(\.json))]
        case "start_conversation":
            let project = try await engine.project(Self.field(command, "project"))
            let conversation = try await project.startConversation(id: command["id"]?.stringValue)
            return ["ok": true, "id": .string(conversation.id)]
        case "stop_conversation":
            let project = try await engine.project(Self.field(command, "project"))
            try await project.stopConversation(Self.field(command, "conversation"))
            return ["ok": true]
        case "tool":
            let project = try await engine.project(Self.field(command, "project"))
            let conversation = try await project.conversation(Self.field(command, "conversation"))
            let outcome = try await conversation.send(
                .toolRequest(tool: Self.field(command, "tool"), arguments: command["args"] ?? [:], runMode: .sync),
                correlationId: command["correlation_id"]?.stringValue)
            guard case .completed(let result) = outcome else { return Self.error("internal", "a sync call did not complete") }
            return [
                "ok": true, "call_id": .string(result.callId), "correlation_id": .string(result.correlationId),
                "status": .string(result.status.rawValue),
            ]
        case "timeline":
            let timeline = try journal.incidentTimeline(
                project: Self.field(command, "project"), conversation: Self.field(command, "conversation"),
                correlationId: command["correlation_id"]?.stringValue,
                limit: command["limit"]?.intValue ?? IncidentTimeline.defaultLimit)
            return ["ok": true, "timeline": timeline.json]
        default:
            throw BadRequest(message: "unknown cmd (start_project, stop_project, list_projects, start_conversation, stop_conversation, tool, timeline)")
        }
    }
}
