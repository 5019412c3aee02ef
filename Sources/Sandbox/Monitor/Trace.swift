#if canImport(Glibc)
import Glibc
#endif

/// Phase timings of the monitor, printed to stderr when `JCS_TRACE` is set: where a sandboxed
/// call spends its time (`jcs sandbox run` with `JCS_TRACE=1`).
public enum Trace {
    static let enabled = getenv("JCS_TRACE") != nil
    private static let origin = Timestamp.monotonicNs()

    public static func mark(_ phase: @autoclosure () -> String) {
        guard enabled else { return }
        let start = origin  // a lazy global: read it before the clock, or the difference underflows
        let us = (Timestamp.monotonicNs() - start) / 1000
        let line = Array("jcs-trace \(us)us \(phase())\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
