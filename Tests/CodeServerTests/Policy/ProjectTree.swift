import Glibc
import TestSupport

/// A project root and a sibling directory outside it, in a fresh temporary directory, all named
/// by real paths (the policy expects the root as a real path). Paths given to the helpers are
/// relative to the temporary directory: `project/src`, `outside/secret`.
final class ProjectTree {
    private let temporary = TempDirectory(prefix: "jcs-policy")
    let base: String

    var root: String { base + "/project" }
    var outside: String { base + "/outside" }

    init() {
        guard let real = realpath(temporary.path, nil) else { fatalError("realpath \(temporary.path): \(errno)") }
        base = String(cString: real)
        free(real)
        makeDirectory("project")
        makeDirectory("outside")
    }

    func makeDirectory(_ path: String) {
        precondition(mkdir(base + "/" + path, 0o755) == 0, "mkdir \(path): \(errno)")
    }

    func write(_ path: String, _ text: String = "x") {
        let descriptor = open(base + "/" + path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(descriptor >= 0, "open \(path): \(errno)")
        _ = text.utf8CString.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count - 1) }
        close(descriptor)
    }

    /// Creates the link `path` with `target` exactly as given (relative targets stay relative).
    func link(_ path: String, to target: String) {
        precondition(symlink(target, base + "/" + path) == 0, "symlink \(path): \(errno)")
    }

    /// Points the existing link `path` somewhere else, as an attacker racing the check would.
    func relink(_ path: String, to target: String) {
        precondition(unlink(base + "/" + path) == 0, "unlink \(path): \(errno)")
        link(path, to: target)
    }
}
