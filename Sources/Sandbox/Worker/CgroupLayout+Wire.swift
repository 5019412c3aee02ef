/// The cgroup layout as a coordinator tells its workers in `prepare` (`cgroup_layout`), so that
/// no worker reads and parses `/proc/self/mountinfo` again: a worker is the coordinator's child
/// and sits in the same cgroup. That read was ~2 % of a worker's CPU in `perf`.
extension CgroupLayout {
    public var json: JSONValue {
        var o: [String: JSONValue] = ["v2_memory": .bool(v2Memory), "v2_pids": .bool(v2Pids)]
        o["version"] = version.map { .string($0.rawValue) } ?? .null
        o["v2_dir"] = v2Dir.map { .string($0) } ?? .null
        o["v1_memory"] = v1Memory.map { .string($0) } ?? .null
        o["v1_pids"] = v1Pids.map { .string($0) } ?? .null
        return .object(o)
    }

    /// Strict: every key present, of its type, a version the enum knows, directories absolute.
    public init(json: JSONValue) throws(SandboxError) {
        func bad(_ key: String, _ reason: String) -> SandboxError {
            .protocolViolation(reason: "cgroup_layout.\(key) \(reason)")
        }
        guard let object = json.objectValue else { throw .protocolViolation(reason: "cgroup_layout must be an object") }
        let known: Set<String> = ["version", "v2_dir", "v2_memory", "v2_pids", "v1_memory", "v1_pids"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw bad(unknown, "is not a key of the layout")
        }
        func directory(_ key: String) throws(SandboxError) -> String? {
            switch object[key] {
            case .null?: return nil
            case .string(let path)? where path.hasPrefix("/") && !path.contains("\0"): return path
            default: throw bad(key, "must be null or an absolute path")
            }
        }
        func flag(_ key: String) throws(SandboxError) -> Bool {
            guard let value = object[key]?.boolValue else { throw bad(key, "must be true or false") }
            return value
        }
        self.init()
        switch object["version"] {
        case .null?: version = nil
        case .string(let name)?:
            guard let known = CgroupVersion(rawValue: name) else { throw bad("version", "must be \"v1\", \"v2\" or null") }
            version = known
        default: throw bad("version", "must be \"v1\", \"v2\" or null")
        }
        v2Dir = try directory("v2_dir")
        v2Memory = try flag("v2_memory")
        v2Pids = try flag("v2_pids")
        v1Memory = try directory("v1_memory")
        v1Pids = try directory("v1_pids")
    }
}
