import CodeServer
import Hummingbird


/// Domain errors mapped to the API at one edge: each keeps its engine code; the status says
/// whether the caller named something missing (404), conflicted with state (409) or was refused (400).
extension APIError {
    /// Any error a route's engine call threw, as the API reports it; an error no case expects
    /// is an `internal` one.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: error
        case let error as ProjectError: from(project: error)
        case let error as ConversationError: from(conversation: error)
        case let error as TelemetryStoreError: from(store: error)
        default: APIError(.internal, status: .internalServerError, "internal error: \(error)")
        }
    }

    private static func from(project error: ProjectError) -> APIError {
        let status: HTTPResponse.Status =
            switch error {
            case .unknownProject, .unknownConversation: .notFound
            case .duplicateProject, .duplicateConversation, .projectStopped: .conflict
            case .resourceExhausted, .storeUnavailable, .sandboxUnavailable: .serviceUnavailable
            case .conversationBudget: .tooManyRequests
            case .invalidOptions, .invalidRoot, .invalidProfile, .invalidAssets, .invalidLayout: .badRequest
            }
        return APIError(.engine(error.code), status: status, error.description)
    }

    private static func from(conversation error: ConversationError) -> APIError {
        APIError(.engine(error.code), status: .conflict, error.description)
    }

    private static func from(store error: TelemetryStoreError) -> APIError {
        APIError(.storeUnavailable, status: .serviceUnavailable, "store_unavailable: \(error)")
    }
}
