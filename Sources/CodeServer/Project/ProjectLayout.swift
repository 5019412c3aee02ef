/// The directories a project needs under its root: `.jido/` (the assets, watched) and the data
/// directory (`data_dir`). Created at start when missing, by `ProjectDirectory.makeDirectories`:
/// a `mkdirat` then a no-link `openat2` per component from the root's handle, so a component a
/// tool replaced with a link (even between two steps) fails the start instead of moving the
/// project's state outside its root.
enum ProjectLayout {
    static func prepare(root: ProjectRoot, options: RuntimeOptions) throws(ProjectError) {
        for relative in [AssetLoader.directory, options.dataDir] {
            do {
                try root.files.makeDirectories(relative)
            } catch {
                throw .invalidLayout(path: "\(root.path)/\(error.path)", reason: error.description)
            }
        }
    }
}
