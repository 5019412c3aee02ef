/// What a bearer token may reach. A scoped token reaches only the routes under
/// `/v1/projects/{id}/…` of its projects (and `/v1/health`); everything host-wide (starting
/// projects, which picks a directory on the host; the project list; alerts across projects;
/// doctor) needs a token scoped to every project (`"projects": ["*"]`). `/metrics` is decided
/// by `BearerToken.readsMetrics`.
public enum TokenScope: Sendable, Equatable {
    case allProjects
    case projects(Set<String>)

    /// Why a request falls outside the scope, or nil when it is inside. `path` must already be
    /// known to hold no percent-escapes and no `.`/`..` segments (`AccessPath` ensures that), so
    /// the project id read here is the one the router will see.
    func refusal(method: String, path: AccessPath) -> String? {
        if path.segments == ["v1", "health"] { return nil }
        guard case .projects(let allowed) = self else { return nil }
        if let project = path.project {
            return allowed.contains(project) ? nil : "this token is not scoped to project '\(project)'"
        }
        if path.segments == ["v1", "alerts"], let project = path.query["project"], allowed.contains(project) {
            return nil
        }
        return "\(method) /\(path.segments.joined(separator: "/")) is host-wide and needs a token scoped to every project (\"*\")"
    }
}

/// A request target split the way the router splits it, refusing the spellings that could make
/// the scope check and the router disagree about which project a request names.
struct AccessPath: Equatable {
    var segments: [String]
    var query: [String: String]

    /// The `{project}` of `/v1/projects/{project}/…`.
    var project: String? {
        segments.count >= 3 && segments[0] == "v1" && segments[1] == "projects" ? segments[2] : nil
    }

    /// A failure with the reason when the target is not plain: escapes (which some layer might
    /// decode after the check), empty, `.` or `..` segments, repeated query keys.
    static func parse(path: String, query: String?) -> Result<AccessPath, AccessPathError> {
        if path.contains("%") || (query ?? "").contains(where: { $0 == "%" || $0 == "+" }) {
            return .failure(AccessPathError(reason: "escaped characters ('%', '+') are not accepted on the TCP listener"))
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        if segments.contains(where: { $0 == "." || $0 == ".." }) {
            return .failure(AccessPathError(reason: "'.' and '..' segments are not accepted"))
        }
        if segments.dropLast().contains(where: \.isEmpty) {
            return .failure(AccessPathError(reason: "empty path segments are not accepted"))
        }
        var pairs: [String: String] = [:]
        for item in (query ?? "").split(separator: "&") {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            // A repeated key could be read one way here and another way by the route.
            guard pairs[String(parts[0])] == nil else {
                return .failure(AccessPathError(reason: "query parameter '\(parts[0])' is repeated"))
            }
            pairs[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return .success(AccessPath(segments: segments.last == "" ? Array(segments.dropLast()) : segments, query: pairs))
    }
}

struct AccessPathError: Error, Equatable {
    var reason: String
}
