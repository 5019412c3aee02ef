/// Finding and reading asset files, with the rules that keep the loader inside `.jido/`:
///
/// - everything is reached from the root's handle through `ProjectDirectory` (`openat2` with no
///   symbolic link allowed on any component): a linked `.jido`, `.jido/skills` or
///   `skill_graph -> /` is an asset error, never a walk elsewhere, and a link named `x.md` is never
///   followed (a link to `/etc/shadow` must not become an asset anyone can `asset.get`);
/// - only regular `*.md` files are read (checked with `fstat` on the open descriptor, opened
///   non-blocking so a FIFO named `x.md` cannot hold the loader); hidden files (editors'
///   `.x.md.swp`, `.#x.md`) and backups (`x.md~`) are skipped, so a save in progress is never
///   loaded half-written;
/// - the snapshot is bounded (`AssetBudget`): files, bytes (by `fstat` size, checked before the
///   buffer is allocated), depth and directory entries examined.
enum AssetFiles {
    /// The largest asset file read: assets are prose and front matter, and the whole snapshot is
    /// held in memory.
    static let maximumFileBytes = 1 << 20

    /// What the walk found at one path (relative to the root).
    enum Found {
        case file(path: String, bytes: [UInt8])
        case refused(path: String, code: AssetIssue.Code, reason: String)
    }

    /// Walks `base` (a kind's directory, relative to the root) and hands each `*.md` file or
    /// refusal to `visit`, in name order per directory. `skip` holds root-relative directories
    /// not to enter (the data directory). A missing directory has nothing.
    static func walk(
        root: ProjectDirectory, base: String, skip: Set<String>, budget: inout AssetBudget, visit: (Found) -> Void
    ) {
        let directory: ProjectDirectory
        do {
            directory = try root.directory(base)
        } catch {
            if case .missing = error { return }
            visit(refusal(base, error))
            return
        }
        walk(directory, path: base, depth: 0, skip: skip, budget: &budget, visit: visit)
    }

    private static func walk(
        _ directory: ProjectDirectory, path: String, depth: Int, skip: Set<String>, budget: inout AssetBudget,
        visit: (Found) -> Void
    ) {
        guard !skip.contains(path) else { return }
        let entries: [ProjectDirectory.Entry]
        do {
            // One more than the budget allows, so running out is seen and reported below.
            entries = try directory.entries(limit: budget.remainingExamined + 1)
        } catch {
            visit(refusal(path, error))
            return
        }
        for entry in entries.sorted(by: { $0.name < $1.name }) where !entry.name.hasPrefix(".") {
            let child = "\(path)/\(entry.name)"
            guard budget.examine() else {
                visit(.refused(path: child, code: .limitReached, reason: budget.examinedReason))
                return
            }
            guard entry.nameIsUTF8 else {
                // Asset names are text; such a file or directory is named in an asset error.
                if entry.type == .directory || entry.name.hasSuffix(".md") {
                    visit(.refused(path: child, code: .invalidUTF8, reason: "the name is not UTF-8; not read"))
                }
                continue
            }
            switch entry.type {
            case .directory:
                guard depth < budget.maximumDepth else {
                    visit(
                        .refused(
                            path: child, code: .limitReached,
                            reason: "deeper than watcher_max_depth (\(budget.maximumDepth)) below its kind's directory; not read"))
                    continue
                }
                do {
                    let next = try directory.directory(entry.name)
                    walk(next, path: child, depth: depth + 1, skip: skip, budget: &budget, visit: visit)
                } catch {
                    visit(refusal(child, error))
                }
            case .regular where entry.name.hasSuffix(".md"):
                visit(read(directory, name: entry.name, path: child, budget: &budget))
            case .symlink where entry.name.hasSuffix(".md"):
                visit(.refused(path: child, code: .symlink, reason: "symbolic links are not followed"))
            case .other where entry.name.hasSuffix(".md"):
                visit(.refused(path: child, code: .notRegularFile, reason: "not a regular file (a FIFO, socket or device)"))
            default:
                continue
            }
        }
    }

    private static func read(_ directory: ProjectDirectory, name: String, path: String, budget: inout AssetBudget) -> Found {
        guard budget.admitFile() else {
            return .refused(path: path, code: .limitReached, reason: budget.filesReason)
        }
        let limit = min(maximumFileBytes, budget.remainingBytes)
        do {
            let bytes = try directory.readRegularFile(name, limit: limit)
            budget.spend(bytes: bytes.count)
            return .file(path: path, bytes: bytes)
        } catch {
            if case .tooLarge(_, let size, _) = error {
                return size > maximumFileBytes
                    ? .refused(path: path, code: .tooLarge, reason: "\(size) bytes, larger than \(maximumFileBytes)")
                    : .refused(path: path, code: .limitReached, reason: budget.bytesReason(size: size))
            }
            return refusal(path, error)
        }
    }

    private static func refusal(_ path: String, _ error: ProjectFileError) -> Found {
        switch error {
        case .symlink: .refused(path: path, code: .symlink, reason: "a symbolic link, which is never followed")
        case .notRegularFile: .refused(path: path, code: .notRegularFile, reason: "not a regular file")
        case .notDirectory: .refused(path: path, code: .notRegularFile, reason: "not a directory")
        default: .refused(path: path, code: .unreadable, reason: error.description)
        }
    }
}
