import Sandbox

/// What the file tools check before their program touches a path, inside the sandbox (the
/// kernel's view of the root decides, not the coordinator's): a shell prelude that exits with a
/// status of its own for each answer, and the failure each status means, naming the path as
/// the caller wrote it. So a missing file is `not_found: notes/todo.txt`, never a program's
/// message about `/workspace/...`.
enum FileCheck {
    static let notFound: Int32 = 80
    static let isADirectory: Int32 = 81
    static let notAFile: Int32 = 82
    static let notADirectory: Int32 = 83
    static let permissionDenied: Int32 = 84

    /// `$1` must be a readable regular file.
    static let readableFile = """
        p=$1; shift
        if [ -d "$p" ]; then exit 81; fi
        if [ ! -e "$p" ]; then exit 80; fi
        if [ ! -f "$p" ]; then exit 82; fi
        if [ ! -r "$p" ]; then exit 84; fi
        """

    /// `$1` must be a readable directory.
    static let readableDirectory = """
        p=$1; shift
        if [ ! -e "$p" ]; then exit 80; fi
        if [ ! -d "$p" ]; then exit 83; fi
        if [ ! -r "$p" ] || [ ! -x "$p" ]; then exit 84; fi
        """

    /// The failure for a prelude's status, nil for any other status (the program's own).
    static func failure(_ status: Int?, path: String, writing: Bool = false) -> ToolFailure? {
        let shown = path.isEmpty ? "." : path
        switch status.map(Int32.init) {
        case notFound?:
            return ToolFailure(
                .notFound,
                writing ? "\(shown): a directory on the way does not exist and could not be created" : "\(shown): no such file or directory")
        case isADirectory?: return ToolFailure(.isADirectory, "\(shown): is a directory")
        case notAFile?: return ToolFailure(.notAFile, "\(shown): not a regular file")
        case notADirectory?:
            return ToolFailure(
                .notADirectory, writing ? "\(shown): a component of the path is a file, not a directory" : "\(shown): not a directory")
        case permissionDenied?:
            return ToolFailure(
                .permissionDenied, writing ? "\(shown): cannot write here (read-only or not permitted)" : "\(shown): permission denied")
        default: return nil
        }
    }
}
