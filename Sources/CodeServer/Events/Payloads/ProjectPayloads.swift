import Sandbox

/// `project.started`.
public struct ProjectStarted: EventPayloadBody {
    public var root: String
    public var profile: String
    public var networkEgressPolicy: NetworkEgressPolicy

    public init(root: String, profile: String, networkEgressPolicy: NetworkEgressPolicy) {
        self.root = root
        self.profile = profile
        self.networkEgressPolicy = networkEgressPolicy
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        root = try r.string("root")
        profile = try r.string("profile")
        networkEgressPolicy = try r.word("network_egress_policy", as: NetworkEgressPolicy.self)
    }

    public var json: JSONValue {
        ["root": .string(root), "profile": .string(profile), "network_egress_policy": .string(networkEgressPolicy.rawValue)]
    }
}

/// `project.assets_reloaded`: a new asset snapshot is in place.
public struct AssetsReloaded: EventPayloadBody {
    public var generation: Int64
    public var counts: [String: Int64]
    public var errorCount: Int64
    /// `watcher`, `manual`, … (the reloader's `Trigger.name`).
    public var trigger: String
    public var changedPaths: [String]

    public init(generation: Int64, counts: [String: Int64], errorCount: Int64, trigger: String, changedPaths: [String]) {
        self.generation = generation
        self.counts = counts
        self.errorCount = errorCount
        self.trigger = trigger
        self.changedPaths = changedPaths
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        generation = try r.int("generation")
        counts = try Self.counts(&r)
        errorCount = try r.int("error_count")
        trigger = try r.string("trigger")
        changedPaths = try r.strings("changed_paths")
    }

    static func counts(_ r: inout PayloadReader) throws(EventPayloadError) -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for (key, value) in try r.object("counts") {
            guard let number = value.intValue else { throw r.fail("counts.\(key)", "not an integer") }
            counts[key] = Int64(number)
        }
        return counts
    }

    public var json: JSONValue {
        [
            "generation": .int(generation), "counts": .object(counts.mapValues(JSONValue.int)),
            "error_count": .int(errorCount), "trigger": .string(trigger),
            "changed_paths": .array(changedPaths.map(JSONValue.string)),
        ]
    }
}

/// `project.watcher_reload_failed`: a reload refused by `strict_asset_loading` (the snapshot's
/// figures and the issues are set), or the watcher could not run (only `trigger`,
/// `changed_paths` and `error`).
public struct WatcherReloadFailed: EventPayloadBody {
    public struct Rejected: Sendable, Equatable {
        public var generation: Int64
        public var counts: [String: Int64]
        public var errorCount: Int64
        /// The asset issues, each as `AssetIssue.json` writes it.
        public var errors: [JSONValue]

        public init(generation: Int64, counts: [String: Int64], errorCount: Int64, errors: [JSONValue]) {
            self.generation = generation
            self.counts = counts
            self.errorCount = errorCount
            self.errors = errors
        }
    }

    public var trigger: String
    public var changedPaths: [String]
    public var error: String
    public var rejected: Rejected?

    public init(trigger: String, changedPaths: [String], error: String, rejected: Rejected? = nil) {
        self.trigger = trigger
        self.changedPaths = changedPaths
        self.error = error
        self.rejected = rejected
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        trigger = try r.string("trigger")
        changedPaths = try r.strings("changed_paths")
        error = try r.string("error")
        if r.has("generation") {
            let generation = try r.int("generation")
            let counts = try AssetsReloaded.counts(&r)
            let errorCount = try r.int("error_count")
            guard case .array(let errors) = try r.json("errors") else { throw r.fail("errors", "not an array") }
            rejected = Rejected(generation: generation, counts: counts, errorCount: errorCount, errors: errors)
        }
    }

    public var json: JSONValue {
        var w = PayloadWriter([
            "trigger": .string(trigger), "changed_paths": .array(changedPaths.map(JSONValue.string)), "error": .string(error),
        ])
        if let rejected {
            w["generation"] = .int(rejected.generation)
            w["counts"] = .object(rejected.counts.mapValues(JSONValue.int))
            w["error_count"] = .int(rejected.errorCount)
            w["errors"] = .array(rejected.errors)
        }
        return w.json
    }
}
