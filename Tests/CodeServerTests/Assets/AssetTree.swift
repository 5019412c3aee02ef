#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport

@testable import CodeServer

/// Writes, renames and removes files under a project directory, creating parents as needed.
struct AssetTree {
    let directory: TempDirectory

    func write(_ relative: String, _ text: String) { write(relative, bytes: Array(text.utf8)) }

    func write(_ relative: String, bytes: [UInt8]) {
        makeParents(relative)
        let fd = open(directory.file(relative), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "open \(relative): \(errno)")
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// An editor's save: a hidden temporary file renamed over the original.
    func atomicSave(_ relative: String, _ text: String) {
        let parts = relative.split(separator: "/")
        let temporary = (parts.dropLast() + [".\(parts.last!).tmp"]).joined(separator: "/")
        write(temporary, text)
        rename(directory.file(temporary), directory.file(relative))
    }

    func move(_ from: String, _ to: String) {
        makeParents(to)
        rename(directory.file(from), directory.file(to))
    }

    func remove(_ relative: String) { unlink(directory.file(relative)) }

    func isDirectory(_ relative: String) -> Bool {
        var info = stat()
        return lstat(directory.file(relative), &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    private func makeParents(_ relative: String) {
        var path = directory.path
        for component in relative.split(separator: "/").dropLast() {
            path += "/\(component)"
            mkdir(path, 0o755)
        }
    }
}

/// A minimal valid command file.
func commandFile(_ name: String, description: String = "A command.", run: String = #"["/bin/echo", "hi"]"#) -> String {
    "---\nname: \(name)\ndescription: \(description)\nrun: \(run)\n---\nBody.\n"
}

func skillFile(_ name: String, description: String = "A skill.") -> String {
    "---\nname: \(name)\ndescription: \(description)\n---\nBody of \(name).\n"
}

/// A loader over `directory` with default options, for tests that need no running project.
func loader(_ directory: TempDirectory, options: RuntimeOptions = RuntimeOptions()) throws -> AssetLoader {
    let profile = ProjectProfile.effective(try ProfileResolver.resolve(nameOrPath: "default"), options: options)
    return AssetLoader(root: try ProjectRoot.open(directory.path), options: options, projectProfile: profile)
}

/// The held directory of `path`, as a project root opens it.
func handle(_ path: String) throws -> ProjectDirectory { try ProjectRoot.open(path).files }

/// Waits until the project's snapshot reached `generation` (the watcher reloads asynchronously).
func waitForGeneration(_ project: Project, atLeast generation: UInt64, timeoutMs: Int = 10_000) async -> Bool {
    await eventually(timeoutMs: timeoutMs) { project.assets.snapshot.generation >= generation }
}
