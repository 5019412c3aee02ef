import Sandbox

/// Why a project could not start or answer. `code` is the stable wire code; `description` the
/// sentence for people, naming the key or path at fault.
public enum ProjectError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The runtime options were refused; every problem names its key (`invalid_runtime_opt`).
    case invalidOptions(OptionsError)
    /// The root is missing, not a directory, or cannot be resolved.
    case invalidRoot(path: String, reason: String)
    /// `sandbox_profile` names no built-in profile or an invalid file (`invalid_runtime_opt`).
    case invalidProfile(name: String, reason: String)
    /// The profile's seccomp rules could not be compiled.
    case sandboxUnavailable(reason: String)
    case duplicateProject(id: String)
    case unknownProject(id: String)
    case unknownConversation(id: String)
    case duplicateConversation(id: String)
    /// `project_max_conversations` conversations are running; stop one first.
    case conversationBudget(limit: Int)
    /// The project is stopping or stopped.
    case projectStopped(id: String)
    /// `strict_asset_loading` is on and these asset files are invalid.
    case invalidAssets([AssetIssue])
    /// `.jido/` or the data directory cannot be created, or is not a plain directory.
    case invalidLayout(path: String, reason: String)
    /// No thread could be started for blocking work (the process is out of threads or memory).
    case resourceExhausted(reason: String)
    /// The durable store refused a write the operation depends on (the project registry).
    case storeUnavailable(reason: String)

    public var code: String {
        switch self {
        case .invalidOptions, .invalidProfile: OptionsError.code
        case .invalidRoot: "invalid_root"
        case .sandboxUnavailable: "sandbox_unavailable"
        case .duplicateProject: "duplicate_project"
        case .unknownProject: "unknown_project"
        case .unknownConversation: "unknown_conversation"
        case .duplicateConversation: "duplicate_conversation"
        case .conversationBudget: "conversation_budget"
        case .projectStopped: "project_stopped"
        case .invalidAssets: "invalid_assets"
        case .invalidLayout: "invalid_layout"
        case .resourceExhausted: "resource_exhausted"
        case .storeUnavailable: "store_unavailable"
        }
    }

    public var description: String {
        switch self {
        case .invalidOptions(let error): error.description
        case .invalidRoot(let path, let reason): "invalid_root: '\(path)': \(reason)"
        case .invalidProfile(let name, let reason): "\(OptionsError.code): sandbox_profile: '\(name)': \(reason)"
        case .sandboxUnavailable(let reason): "sandbox_unavailable: \(reason)"
        case .duplicateProject(let id): "duplicate_project: a project with id '\(id)' is running"
        case .unknownProject(let id): "unknown_project: no project with id '\(id)'"
        case .unknownConversation(let id): "unknown_conversation: no conversation with id '\(id)'"
        case .duplicateConversation(let id): "duplicate_conversation: a conversation with id '\(id)' exists"
        case .conversationBudget(let limit):
            "conversation_budget: the project runs \(limit) conversations (project_max_conversations); stop one first"
        case .projectStopped(let id): "project_stopped: project '\(id)' is stopped"
        case .invalidAssets(let issues):
            "invalid_assets: strict_asset_loading refuses \(issues.count) invalid file(s): "
                + issues.map(\.description).joined(separator: "; ")
        case .invalidLayout(let path, let reason): "invalid_layout: '\(path)': \(reason)"
        case .resourceExhausted(let reason): "resource_exhausted: \(reason)"
        case .storeUnavailable(let reason): "store_unavailable: \(reason)"
        }
    }
}
