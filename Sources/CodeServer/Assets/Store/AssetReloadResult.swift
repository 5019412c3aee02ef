import Sandbox

/// What one reload did: put a new snapshot in place, or (strict loading with issues) refuse it
/// and keep the previous one. Either way it carries what the files said.
public struct AssetReloadResult: Sendable {
    public enum Outcome: String, Sendable {
        case applied
        /// `strict_asset_loading` and at least one issue: the previous snapshot stays.
        case rejected
    }

    public let outcome: Outcome
    /// The generation in place after the reload (the previous one when rejected).
    public let generation: UInt64
    /// Valid assets per kind in what was loaded.
    public let counts: [AssetKind: Int]
    /// The issues of what was loaded (of the refused files when rejected).
    public let issues: [AssetIssue]

    public var json: JSONValue {
        [
            "outcome": .string(outcome.rawValue), "generation": .int(Int64(generation)),
            "counts": .object(Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, JSONValue.int(Int64($0.value))) })),
            "error_count": .int(Int64(issues.count)), "errors": .array(issues.map(\.json)),
        ]
    }
}
