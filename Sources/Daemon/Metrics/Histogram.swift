/// A cumulative histogram over fixed upper bounds, as Prometheus exposes one: per bound, the
/// observations at or below it; plus the sum and the count (the `+Inf` bucket).
struct Histogram: Sendable {
    /// Seconds: from a coordinator tool answering in milliseconds to a build at the default
    /// one-minute timeout.
    static let toolDurationBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    let bounds: [Double]
    /// Per bound, observations that fell in that bucket alone; made cumulative when exposed.
    private var perBucket: [UInt64]
    private(set) var count: UInt64 = 0
    private(set) var sum: Double = 0

    init(bounds: [Double] = Histogram.toolDurationBounds) {
        self.bounds = bounds
        perBucket = Array(repeating: 0, count: bounds.count)
    }

    mutating func observe(_ value: Double) {
        count += 1
        sum += value
        if let index = bounds.firstIndex(where: { value <= $0 }) { perBucket[index] += 1 }
    }

    /// `(le, cumulative count)` in increasing `le`, ending with `+Inf` = `count`.
    var cumulativeBuckets: [(Double, UInt64)] {
        var running: UInt64 = 0
        var buckets: [(Double, UInt64)] = []
        for (bound, n) in zip(bounds, perBucket) {
            running += n
            buckets.append((bound, running))
        }
        buckets.append((.infinity, count))
        return buckets
    }

    /// The `_bucket`, `_sum` and `_count` samples of family `name` under `labels`.
    func samples(name: String, labels: [(String, String)]) -> [MetricFamily.Sample] {
        var samples = cumulativeBuckets.map { bound, cumulative in
            MetricFamily.Sample(
                name: name + "_bucket", labels: labels + [("le", PrometheusText.format(bound))], value: Double(cumulative))
        }
        samples.append(MetricFamily.Sample(name: name + "_sum", labels: labels, value: sum))
        samples.append(MetricFamily.Sample(name: name + "_count", labels: labels, value: Double(count)))
        return samples
    }
}
