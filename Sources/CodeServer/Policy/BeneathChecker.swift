import Glibc

/// The final check that a path stays beneath the project root, made by something other than the
/// resolver's own walk, right before the decision is returned.
///
/// The production checker asks the kernel: `openat2(rootfd, path, RESOLVE_BENEATH |
/// RESOLVE_NO_MAGICLINKS)` resolves the path the way the tool's open will, atomically, and refuses
/// any walk that leaves the root, absolute symlinks and `/proc` magic links included. Two
/// independent resolutions must both agree before a path is allowed, so a bug in either one alone
/// does not let a path out.
public protocol BeneathChecker: Sendable {
    /// Whether `relativePath`, resolved from `root` as the file system is now, stays beneath it. A
    /// path whose last components do not exist yet (a file about to be written) is judged by its
    /// deepest existing ancestor.
    func check(_ relativePath: String, beneath root: String) -> BeneathVerdict
}

public enum BeneathVerdict: Sendable, Equatable {
    case beneath
    case escapes
    /// The check itself failed (`EACCES`, `ENOSYS`, …). The policy treats it as an escape: a path
    /// that cannot be checked is not allowed.
    case failed(errno: Int32)

    /// Runs `probe` on `relativePath`, then on its ancestors for as long as the answer is "does not
    /// exist" (`ENOENT`, `ENOTDIR`), so that checkers share one reading of a path to be created.
    /// A trailing `..` is never dropped, since that would change which directory is meant: the
    /// verdict is then the failure.
    static func judgingMissingByAncestor(
        _ relativePath: String, _ probe: (String) -> BeneathVerdict
    ) -> BeneathVerdict {
        var components = PathText.components(relativePath)
        while true {
            let verdict = probe(components.isEmpty ? "." : components.joined(separator: "/"))
            guard case .failed(let code) = verdict, code == ENOENT || code == ENOTDIR,
                let last = components.last, last != ".."
            else { return verdict }
            components.removeLast()
        }
    }
}
