import Glibc

/// Resolves path arguments against the project root the way the kernel would: component by
/// component, following every symlink hop, applying `..` to where the walk actually is.
///
/// It re-reads the file system on every call and caches nothing, so a link swapped between two
/// calls is seen by the second. It cannot see a link swapped after it returned: that is what the
/// `BeneathChecker` run right after it narrows, and what the worker's mount namespace (only the
/// root is mounted) finally denies whatever the arguments said.
///
/// Like `openat2` with `RESOLVE_BENEATH`, a walk that leaves the root at any point counts as
/// outside even if it comes back (`link -> ../project/file`). Unlike it, an absolute link whose
/// target is inside the root is followed; the kernel check refuses those.
public struct PathResolver: Sendable {
    /// Linux gives up after 40 links (`ELOOP`); so does the resolver.
    public static let maximumSymlinkHops = 40

    /// The project root: absolute and already the real path (the engine resolves it once when the
    /// project starts), so no link hides in it.
    public let root: String
    private let rootComponents: [String]

    public init(root: String) {
        precondition(root.hasPrefix("/"), "the project root must be an absolute path: \(root)")
        self.root = root
        rootComponents = PathText.components(root)
    }

    /// Relative paths start at the root. Absolute paths start at the root when they are lexically
    /// under it, and at `/` otherwise (they may still arrive through a link into it).
    public func resolve(_ path: String) -> PathResolution {
        guard !path.utf8.contains(0) else {
            return PathResolution(
                requested: path, resolved: path, outcome: .unresolvable(.containsNUL), hops: [],
                dotDotAfterSymlink: false)
        }
        var walk: Walk
        if !path.hasPrefix("/") {
            walk = Walk(root: rootComponents, start: rootComponents, components: PathText.components(path))
        } else if let below = PathText.components(of: path, under: rootComponents) {
            walk = Walk(root: rootComponents, start: rootComponents, components: below)
        } else {
            walk = Walk(root: rootComponents, start: [], components: PathText.components(path))
        }
        let problem = walk.run()
        let outcome: PathResolution.Outcome
        if let problem {
            outcome = .unresolvable(problem)
        } else if walk.escape == nil && walk.isInside {
            outcome = .inside
        } else {
            outcome = .outside(walk.escape ?? .absolutePath)
        }
        return PathResolution(
            requested: path, resolved: PathText.absolute(walk.stack), outcome: outcome, hops: walk.hops,
            dotDotAfterSymlink: walk.dotDotAfterSymlink)
    }

    /// The resolved path relative to the root (`.` for the root itself), when it is inside.
    public func relativePath(_ resolution: PathResolution) -> String? {
        guard resolution.isInside, let below = PathText.components(of: resolution.resolved, under: rootComponents)
        else { return nil }
        return below.isEmpty ? "." : below.joined(separator: "/")
    }
}

/// The state of one resolution: where the walk is, what is left to walk, and what it has seen.
private struct Walk {
    enum Step {
        case component(String)
        /// The components of a link target have all been walked.
        case endOfLink
    }

    let root: [String]
    /// The absolute components of where the walk is.
    private(set) var stack: [String]
    /// Parallel to `stack`: whether that directory was reached as the target of a link.
    private var reachedThroughLink: [Bool]
    /// Steps still to take, the next one last.
    private var pending: [Step]
    /// The links whose targets are being walked, innermost last.
    private var activeHops: [SymlinkHop] = []
    private(set) var hops: [SymlinkHop] = []
    private(set) var escape: PathResolution.Escape?
    private(set) var dotDotAfterSymlink = false
    private var hasBeenInside: Bool
    /// Set once a component does not exist: nothing past it can be a link, so the rest is lexical.
    private var isLexical = false

    init(root: [String], start: [String], components: [String]) {
        self.root = root
        stack = start
        reachedThroughLink = start.map { _ in false }
        pending = components.reversed().map(Step.component)
        hasBeenInside = start.starts(with: root)
    }

    var isInside: Bool { stack.starts(with: root) }

    mutating func run() -> PathResolution.Problem? {
        while let step = pending.popLast() {
            switch step {
            case .endOfLink:
                activeHops.removeLast()
                if !reachedThroughLink.isEmpty { reachedThroughLink[reachedThroughLink.count - 1] = true }
            case .component(".."):
                climb()
            case .component(let name):
                if let problem = enter(name) { return problem }
            }
        }
        return nil
    }

    private mutating func climb() {
        if reachedThroughLink.last == true { dotDotAfterSymlink = true }
        let from = PathText.absolute(stack)
        if !stack.isEmpty {
            stack.removeLast()
            reachedThroughLink.removeLast()
        }
        noteMove(escapingBy: activeHops.last.map(PathResolution.Escape.symlink) ?? .dotDot(from: from))
    }

    private mutating func enter(_ name: String) -> PathResolution.Problem? {
        stack.append(name)
        reachedThroughLink.append(false)
        if isInside { hasBeenInside = true }
        guard !isLexical else { return nil }
        let current = PathText.absolute(stack)
        var info = stat()
        guard lstat(current, &info) == 0 else {
            let error = errno
            guard error == ENOENT || error == ENOTDIR else { return .uninspectable(path: current, errno: error) }
            isLexical = true
            return nil
        }
        guard info.st_mode & S_IFMT == S_IFLNK else { return nil }
        guard hops.count < PathResolver.maximumSymlinkHops else { return .tooManySymlinks }
        let target: String
        switch readLink(current) {
        case .success(let text?): target = text
        case .success(nil): return .nonUTF8SymlinkTarget(link: current)
        case .failure(let error): return .uninspectable(path: current, errno: error.code)
        }
        follow(SymlinkHop(link: current, target: target))
        return nil
    }

    /// Replaces the link just entered by its target's components.
    private mutating func follow(_ hop: SymlinkHop) {
        hops.append(hop)
        stack.removeLast()
        reachedThroughLink.removeLast()
        pending.append(.endOfLink)
        activeHops.append(hop)
        var components = PathText.components(hop.target)
        if hop.target.hasPrefix("/") {
            // The root is a real path, so a target spelled with the root's components is inside it
            // without the walk passing through `/`, where it would count as having left.
            if components.starts(with: root) {
                components.removeFirst(root.count)
                stack = root
            } else {
                stack = []
            }
            reachedThroughLink = stack.map { _ in false }
            noteMove(escapingBy: .symlink(hop))
        }
        pending.append(contentsOf: components.reversed().map(Step.component))
    }

    /// Records the first move from inside the root to outside it.
    private mutating func noteMove(escapingBy cause: PathResolution.Escape) {
        if isInside {
            hasBeenInside = true
        } else if hasBeenInside && escape == nil {
            escape = cause
        }
    }

    private struct ErrnoCode: Error {
        let code: Int32
    }

    /// The link's target; `.success(nil)` when it is not valid UTF-8.
    private func readLink(_ path: String) -> Result<String?, ErrnoCode> {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let count = buffer.withUnsafeMutableBufferPointer { readlink(path, $0.baseAddress!, $0.count) }
        guard count >= 0 else { return .failure(ErrnoCode(code: errno)) }
        guard count < buffer.count else { return .failure(ErrnoCode(code: ENAMETOOLONG)) }
        return .success(String(validating: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
