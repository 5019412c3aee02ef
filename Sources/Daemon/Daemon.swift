import CodeServer
import Hummingbird
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// The daemon: composes the journal, telemetry hub and engine once, restores the registered
/// projects, then serves the HTTP+JSON API on the Unix socket until SIGTERM or SIGINT.
public enum Daemon {
    /// The routes over `runtime`, behind the error mapping (outermost) and the peer check.
    /// A plain function, so the same router can be built without a process around it.
    public static func buildRouter(runtime: Runtime, ownUid: uid_t) -> Router<DaemonContext> {
        let router = Router(context: DaemonContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: PeerCredentialMiddleware(ownUid: ownUid))
        HostRoutes(runtime: runtime).add(to: router)
        ProjectRoutes(runtime: runtime).add(to: router)
        ConversationRoutes(runtime: runtime).add(to: router)
        ToolRoutes(runtime: runtime).add(to: router)
        AssetRoutes(runtime: runtime).add(to: router)
        TelemetryRoutes(runtime: runtime).add(to: router)
        EventRoutes(runtime: runtime).add(to: router)
        return router
    }

    /// Runs until a shutdown signal. Shutdown order: stop accepting and let in-flight requests
    /// finish within `shutdownGraceSeconds` (then they are cancelled), stop every project (which
    /// cancels running tool calls and kills their sandboxes), and remove the socket. Everything
    /// acknowledged was committed when it was acknowledged; the projects stay registered, so the
    /// next start restores them.
    public static func run(_ configuration: DaemonConfiguration) async throws {
        LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        let logger = Logger(label: "jcs.daemon")
        // Before anything is created: the socket must be 0600 from the moment it exists (a chmod
        // after bind leaves a window), and the journal's files are nobody else's business.
        umask(0o077)
        try SocketPreflight.makeDirectories(configuration.dataDirectory)
        try SocketPreflight.check(configuration.socketPath)

        let journal: SQLiteJournal
        do {
            journal = try SQLiteJournal(configuration: .inDataDirectory(configuration.dataDirectory))
        } catch {
            throw DaemonError.journal(path: configuration.dataDirectory, reason: "\(error)")
        }
        let hub = TelemetryHub(store: journal)
        let engine = Engine(
            configuration: EngineConfiguration(warmWorkersPerProject: 1, registry: journal, journalStore: journal), sink: hub)
        do {
            for restored in try await engine.restoreProjects() {
                if let error = restored.error {
                    logger.error(
                        "project not restored",
                        metadata: ["event": "daemon.restore_failed", "project_id": "\(restored.id)", "error": "\(error)"])
                } else {
                    logger.info("project restored", metadata: ["event": "daemon.project_restored", "project_id": "\(restored.id)"])
                }
            }
        } catch {
            throw DaemonError.restore(reason: "\(error)")
        }

        let runtime = Runtime(engine: engine, hub: hub, journal: journal)
        let socketPath = configuration.socketPath
        let app = Application(
            router: buildRouter(runtime: runtime, ownUid: getuid()),
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socketPath), serverName: "jcs"),
            onServerRunning: { _ in
                // The socket exists now, created 0600 under the umask set just before the run.
                umask(0o077)
                logger.info(
                    "listening",
                    metadata: [
                        "event": "daemon.listening", "socket": "\(socketPath)",
                        "data_dir": "\(configuration.dataDirectory)", "pid": "\(getpid())",
                    ])
            },
            logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(configuration.shutdownGraceSeconds)
        groupConfiguration.maximumCancellationDuration = .seconds(configuration.shutdownGraceSeconds)
        let group = ServiceGroup(configuration: groupConfiguration)
        // bind(2) creates the socket with 0777 & ~umask: this makes it 0600 (connect needs only
        // write). Put back to 0077 once listening, so directories made later stay traversable.
        umask(0o177)
        do {
            try await group.run()
        } catch {
            logger.error("server stopped on error", metadata: ["event": "daemon.server_error", "error": "\(error)"])
        }
        logger.info("stopping projects", metadata: ["event": "daemon.stopping"])
        await engine.shutdown()
        unlink(socketPath)
        logger.info("stopped", metadata: ["event": "daemon.stopped"])
    }
}
