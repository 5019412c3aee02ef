/// What one asset snapshot may cost the coordinator: files read, bytes held, directory entries
/// examined and depth. Whatever a tool leaves in `.jido/`, loading it costs at most this; past a
/// bound each file is a `limit_reached` asset error, never a crash or an unbounded allocation.
struct AssetBudget {
    let maximumFiles: Int
    let maximumBytes: Int
    let maximumDepth: Int
    /// Entries looked at (files of any name, directories): bounds the walk of a directory holding
    /// millions of non-asset names.
    let maximumExamined: Int
    private(set) var files = 0
    private(set) var bytes = 0
    private(set) var examined = 0

    init(options: RuntimeOptions) {
        maximumFiles = options.assetMaxFiles
        maximumBytes = options.assetMaxTotalBytes
        maximumDepth = options.watcherMaxDepth
        maximumExamined = options.assetMaxFiles * 16
    }

    var remainingBytes: Int { max(0, maximumBytes - bytes) }

    var remainingExamined: Int { max(0, maximumExamined - examined) }

    mutating func examine() -> Bool {
        examined += 1
        return examined <= maximumExamined
    }

    mutating func admitFile() -> Bool {
        guard files < maximumFiles else { return false }
        files += 1
        return true
    }

    mutating func spend(bytes count: Int) { bytes += count }

    var filesReason: String { "asset_max_files (\(maximumFiles)) reached: not read" }

    func bytesReason(size: Int) -> String {
        "\(size) bytes would pass asset_max_total_bytes (\(maximumBytes), \(bytes) already read): not read"
    }

    var examinedReason: String {
        "more than \(maximumExamined) directory entries under .jido (16 × asset_max_files): the rest are not read"
    }
}
