import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The soft RLIMIT_NOFILE raised to the hard limit at start. The default soft limit (1024 on
/// most distributions) is a fraction of what the daemon may use: connections, the journal,
/// every worker's pidfd and pipes. The TCP listener's caps keep clients far below it, so running
/// out of descriptors cannot take the Unix socket or tool calls down.
enum FileLimit {
    static func raise(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let before = limit.rlim_cur
        guard limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            logger.info(
                "file descriptor limit raised",
                metadata: ["event": "daemon.nofile_raised", "from": "\(before)", "to": "\(limit.rlim_max)"])
        } else {
            logger.warning(
                "cannot raise the file descriptor limit",
                metadata: ["event": "daemon.nofile_unchanged", "soft": "\(before)", "hard": "\(limit.rlim_max)", "errno": "\(errno)"])
        }
    }
}
