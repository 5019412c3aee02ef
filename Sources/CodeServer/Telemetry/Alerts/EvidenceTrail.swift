/// The last few events a rule saw for one project, to cite as an alert's evidence; bounded so a
/// noisy project costs no more memory than a quiet one.
struct EvidenceTrail: Sendable {
    private var ring: BoundedRing<Alert.Evidence>

    init(capacity: Int = 20) {
        ring = BoundedRing(capacity: capacity)
    }

    mutating func add(_ event: TelemetryEvent) { ring.append(Alert.Evidence(event)) }

    /// Newest last.
    var evidence: [Alert.Evidence] { ring.elements }
}
