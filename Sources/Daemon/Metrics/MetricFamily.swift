/// One metric family as the exposition writer takes it: a name, its help text, its type and its
/// samples. Histograms arrive already expanded into `_bucket`, `_sum` and `_count` samples, so
/// the writer stays a formatter and never needs to know how a value was computed.
struct MetricFamily: Sendable {
    enum Kind: String, Sendable {
        case counter
        case gauge
        case histogram
    }

    struct Sample: Sendable {
        /// The full sample name: the family's name, or with a histogram suffix (`_bucket`, …).
        var name: String
        var labels: [(String, String)]
        var value: Double

        init(name: String, labels: [(String, String)] = [], value: Double) {
            self.name = name
            self.labels = labels
            self.value = value
        }
    }

    var name: String
    var help: String
    var kind: Kind
    var samples: [Sample]

    init(_ name: String, _ kind: Kind, help: String, samples: [Sample] = []) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }

    /// Adds one sample named like the family.
    mutating func add(_ labels: [(String, String)] = [], _ value: Double) {
        samples.append(Sample(name: name, labels: labels, value: value))
    }

    /// Counts, whatever their integer type.
    mutating func add(_ labels: [(String, String)] = [], count: some BinaryInteger) {
        add(labels, Double(count))
    }
}
