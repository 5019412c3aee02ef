import Glibc

/// A `BeneathChecker` built on `realpath(3)`: the C library's resolution, independent of
/// `PathResolver`'s walk, compared with the root as a string.
///
/// It stands in until the kernel check (`openat2` with `RESOLVE_BENEATH`) is available from
/// CSandbox. It is weaker in two ways, both covered by the worker's mount namespace: it follows
/// absolute links that land inside the root, which `RESOLVE_BENEATH` refuses, and it is not atomic
/// with the tool's own open.
public struct RealpathBeneathChecker: BeneathChecker {
    public init() {}

    public func check(_ relativePath: String, beneath root: String) -> BeneathVerdict {
        BeneathVerdict.judgingMissingByAncestor(relativePath) { path in
            guard let real = realpath(root + "/" + path, nil) else { return .failed(errno: errno) }
            defer { free(real) }
            guard let resolved = String(validatingCString: real) else { return .failed(errno: EILSEQ) }
            return PathText.isWithin(resolved, root) ? .beneath : .escapes
        }
    }
}
