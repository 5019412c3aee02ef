import Sandbox

extension RuntimeEvent {
    /// Roughly what the event holds in memory: its payload's text (keys and strings) and a fixed
    /// part for the ids, numbers and bookkeeping. What the recent rings budget by: a tool's
    /// output or a user's message is tens of KiB where most events are a few hundred bytes, so a
    /// count alone does not bound a ring's memory. An estimate, not the encoded size.
    var footprint: Int { 256 + payload.json.textBytes }
}
