/// What a sandboxed tool asks the worker to run for one call.
public struct SandboxInvocation: Sendable, Equatable {
    /// Absolute program path first; values are separate elements, never spliced into script text.
    public var argv: [String]
    /// Variables for the tool; each must be allowed by the project's profile.
    public var environment: [(String, String)]
    /// A path inside the sandbox; nil is the workspace.
    public var cwd: String?
    /// A per-call timeout below the project's `tool_timeout_ms`; nil keeps the project's.
    public var timeoutMs: Int?
    /// Another sandbox than the project's, for a command that names a profile or network mode;
    /// nil runs in the project's warm sandboxes.
    public var sandbox: SandboxOverride?

    public init(
        argv: [String], environment: [(String, String)] = [], cwd: String? = nil, timeoutMs: Int? = nil,
        sandbox: SandboxOverride? = nil
    ) {
        self.argv = argv
        self.environment = environment
        self.cwd = cwd
        self.timeoutMs = timeoutMs
        self.sandbox = sandbox
    }

    public static func == (lhs: SandboxInvocation, rhs: SandboxInvocation) -> Bool {
        lhs.argv == rhs.argv && lhs.environment.elementsEqual(rhs.environment, by: ==) && lhs.cwd == rhs.cwd
            && lhs.timeoutMs == rhs.timeoutMs && lhs.sandbox == rhs.sandbox
    }
}

/// Where the project is inside the sandbox, for turning path arguments into sandbox paths.
public struct SandboxLayout: Sendable, Equatable {
    /// The project root on the host, as a real path.
    public var root: String
    /// Where the profile mounts the root (`/workspace`).
    public var workspace: String

    public init(root: String, workspace: String) {
        self.root = root
        self.workspace = workspace
    }

    /// The sandbox path of a path argument. Relative paths are taken from the root, as the policy
    /// resolved them; host paths under the root move to the workspace. Other absolute paths are
    /// kept: the policy let them through (an outside-root exception), and the sandbox's own mounts
    /// decide what they reach.
    public func sandboxPath(_ path: String) -> String {
        if path.hasPrefix("/") {
            if path == root { return workspace }
            if path.hasPrefix(root + "/") { return workspace + path.dropFirst(root.count) }
            return path
        }
        return path.isEmpty || path == "." ? workspace : workspace + "/" + path
    }

    /// The root-relative form of a path the tool printed inside the sandbox.
    public func projectPath(_ sandboxPath: String) -> String {
        if sandboxPath == workspace { return "." }
        if sandboxPath.hasPrefix(workspace + "/") { return String(sandboxPath.dropFirst(workspace.count + 1)) }
        return sandboxPath
    }
}
