/// Where a path argument leads, as `PathResolver` found it by walking the file system.
public struct PathResolution: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// The walk stayed inside the root throughout and ended there.
        case inside
        /// The walk left the root, or never entered it; the first way out is kept as evidence.
        case outside(Escape)
        /// The walk could not be finished, so nothing can be said about where the path leads.
        case unresolvable(Problem)
    }

    public enum Escape: Sendable, Equatable {
        /// An absolute path that is not under the root.
        case absolutePath
        /// A `..` of the path itself climbed out of the root from `from`.
        case dotDot(from: String)
        /// Following this link left the root: an absolute target outside it, or a relative target
        /// whose `..` climbed out.
        case symlink(SymlinkHop)
    }

    public enum Problem: Sendable, Equatable {
        case containsNUL
        /// More than `PathResolver.maximumSymlinkHops` links, as `ELOOP` would say.
        case tooManySymlinks
        /// `lstat` or `readlink` failed with something other than "does not exist": a directory we
        /// cannot search may hold a symlink we cannot see.
        case uninspectable(path: String, errno: Int32)
        /// A link target that is not UTF-8 cannot be followed exactly, so it is not guessed at.
        case nonUTF8SymlinkTarget(link: String)
    }

    /// The path as the call gave it.
    public var requested: String
    /// The absolute path the walk ended at, links followed; the part past the first missing
    /// component (a file about to be created) is lexical.
    public var resolved: String
    public var outcome: Outcome
    /// Every link followed, in order.
    public var hops: [SymlinkHop]
    /// Whether a `..` climbed out of a directory that was reached through a link. `link/..` names
    /// the parent of the link's target, not the directory holding the link, which is where string
    /// normalization (and a naive policy) goes wrong.
    public var dotDotAfterSymlink: Bool

    public var isInside: Bool { outcome == .inside }
}

/// One link followed: its absolute path and its target as `readlink` returned it.
public struct SymlinkHop: Sendable, Equatable {
    public var link: String
    public var target: String

    public init(link: String, target: String) {
        self.link = link
        self.target = target
    }
}
