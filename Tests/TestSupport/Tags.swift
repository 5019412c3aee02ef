import Testing

extension Tag {
    /// Crash, restart, durability, graceful-shutdown, watcher-failure and timeout behaviour: the
    /// runbook's reliability-focused tests, run alone by `scripts/test-reliability` and repeated
    /// by `scripts/repeat-until-failure`.
    @Tag public static var reliability: Self
}
