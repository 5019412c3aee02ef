/// The name the telemetry store and its readers use for `RuntimeEvent`, the one event shape
/// (kept so the store's code reads as before; it is the same type).
public typealias TelemetryEvent = RuntimeEvent
