#if canImport(Glibc)
import Glibc
#endif

/// The directories a project needs under its root: `.jido/` (the assets, watched) and the data
/// directory (`data_dir`). Created at start when missing. Each component is checked with
/// `lstat` and refused if it is a symbolic link or not a directory, so a planted link cannot move
/// the project's state outside its root.
enum ProjectLayout {
    static func prepare(root: String, options: RuntimeOptions) throws(ProjectError) {
        try makeDirectories(root: root, relative: AssetLoader.directory)
        try makeDirectories(root: root, relative: options.dataDir)
    }

    private static func makeDirectories(root: String, relative: String) throws(ProjectError) {
        var path = root
        for component in relative.split(separator: "/") {
            path += "/" + component
            var info = stat()
            if lstat(path, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw .invalidLayout(path: path, reason: "exists and is not a directory (symbolic links are refused)")
                }
                continue
            }
            guard errno == ENOENT, mkdir(path, 0o755) == 0 || errno == EEXIST else {
                throw .invalidLayout(path: path, reason: String(cString: strerror(errno)))
            }
        }
    }
}
