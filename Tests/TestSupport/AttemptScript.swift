/// Python preludes for tests that attack from a tool's shell: each attempt prints one line,
/// `name errno` (0: it worked), and `answers` reads those lines back.
public enum AttemptScript {
    /// `attempt(name, f)`: runs `f`; prints 0, or the errno of the `OSError` it raised.
    public static let prelude = """
        import os
        def attempt(name, f):
            try:
                f(); print(name, 0, flush=True)
            except OSError as e:
                print(name, e.errno, flush=True)

        """

    /// `attempt(name, f)` where `f` may also return a raw syscall's negative errno, and
    /// `raw(nr, *args)`, which calls syscall `nr` through libc and returns one.
    public static let syscallPrelude = """
        import ctypes, os, errno
        libc = ctypes.CDLL(None, use_errno=True)
        def attempt(name, f):
            try:
                r = f()
                print(name, 0 if r is None or r >= 0 else -r, flush=True)
            except OSError as e:
                print(name, e.errno, flush=True)
        def raw(nr, *args):
            r = libc.syscall(nr, *args)
            return -ctypes.get_errno() if r < 0 else r

        """

    /// The `name errno` lines of `output`, by name (other lines are skipped).
    public static func answers(_ output: String) -> [String: Int32] {
        var answers: [String: Int32] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let code = Int32(parts[1]) { answers[String(parts[0])] = code }
        }
        return answers
    }
}
