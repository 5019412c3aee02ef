import CodeServer
import Hummingbird
import Logging
import Sandbox
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// The daemon: composes the journal, telemetry hub and engine once, restores the registered
/// projects, then serves the HTTP+JSON API on the Unix socket until SIGTERM or SIGINT.
public enum Daemon {
    /// The routes over `runtime`, behind the error mapping (outermost) and `access`: the peer
    /// check on the Unix socket, the bearer-token check on the TCP listener. A plain function, so
    /// the same router can be built without a process around it.
    public static func buildRouter(runtime: Runtime, ownUid: uid_t) -> Router<DaemonContext> {
        buildRouter(runtime: runtime, access: PeerCredentialMiddleware(ownUid: ownUid))
    }

    static func buildRouter(
        runtime: Runtime, access: some RouterMiddleware<DaemonContext>, listeners: A2AListeners = A2AListeners()
    ) -> Router<DaemonContext> {
        let router = Router(context: DaemonContext.self)
        router.add(middleware: ErrorMiddleware(refusals: runtime.refusals))
        router.add(middleware: access)
        router.add(middleware: DurabilityMiddleware(journal: runtime.journal))
        HostRoutes(runtime: runtime).add(to: router)
        ProjectRoutes(runtime: runtime).add(to: router)
        ConversationRoutes(runtime: runtime).add(to: router)
        TurnFollowRoute(runtime: runtime).add(to: router)
        ToolRoutes(runtime: runtime).add(to: router)
        AssetRoutes(runtime: runtime).add(to: router)
        TelemetryRoutes(runtime: runtime).add(to: router)
        EventRoutes(runtime: runtime).add(to: router)
        CallRoutes(runtime: runtime).add(to: router)
        OptionRoutes().add(to: router)
        MCPRoutes(runtime: runtime).add(to: router)
        A2ARoutes(runtime: runtime, listeners: listeners).add(to: router)
        MetricsRoutes(runtime: runtime).add(to: router)
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
        FileLimit.raise(logger: logger)
        // The socket first: a daemon refused for a busy or unsafe socket creates nothing.
        try SocketPreflight.check(configuration.socketPath)
        try SocketPreflight.makeDirectories(configuration.dataDirectory)
        // Nobody answers on it (checked just above): a socket file left by a daemon that was
        // killed, which bind(2) would refuse with EADDRINUSE.
        unlink(configuration.socketPath)

        let journal: SQLiteJournal
        do {
            journal = try SQLiteJournal(configuration: .inDataDirectory(configuration.dataDirectory))
        } catch {
            throw DaemonError.journal(path: configuration.dataDirectory, reason: "\(error)")
        }
        // The configured alert sinks (`alerts` in the config): "page immediately" reaches a
        // person without depending on a Prometheus being there.
        let sinks = try AlertSinks(configuration.alerts, logger: logger)
        let hub = TelemetryHub(store: journal, dispatchers: sinks.dispatchers)
        // Counts, rings, health and alert windows as the journal left them, not from zero. The
        // longest window a rule looks back over is the policy-denied baseline (35 minutes).
        do {
            let restorePoint = try journal.telemetryRestorePoint(sinceMs: Timestamp.nowMs() - 40 * 60_000, limit: 50_000)
            hub.restore(counts: restorePoint.counts, recent: restorePoint.recent)
        } catch {
            throw DaemonError.journal(path: configuration.dataDirectory, reason: "reading telemetry back: \(error)")
        }
        // The daemon's one client for the requests it makes itself (model endpoints; each alert webhook has one of its own, trusting its own `ca_file`).
        let outbound = OutboundHTTPClient()
        let engine = Engine(
            configuration: EngineConfiguration(
                // One warm sandbox per idle project, up to 4 while a project's calls keep
                // finding none; prepared by one thread per core for every project, at most 64
                // waiting across projects (the least recently used project's go first).
                warmWorkersPerProject: 1, maxWarmWorkersPerProject: 4, workerPreparers: WorkerPreparers(maxWarm: 64),
                registry: journal, journalStore: journal,
                // No project may hold the journal or the socket (its tools could read or rewrite
                // the coordinator's own state), nor lie inside the journal's directory.
                reservedDirectories: [configuration.dataDirectory, configuration.socketPath],
                chatModels: OpenAIChatModels(client: outbound)),
            sink: hub)
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
            await outbound.shutdown()
            throw DaemonError.restore(reason: "\(error)")
        }

        let runtime = Runtime(engine: engine, hub: hub, journal: journal, limits: configuration.limits)
        let socketPath = configuration.socketPath
        // Where the agent cards say the A2A endpoints are.
        let listeners = A2AListeners(socketPath: socketPath)
        let app = Application(
            router: buildRouter(runtime: runtime, access: PeerCredentialMiddleware(ownUid: getuid()), listeners: listeners),
            // No caps here (only the daemon's uid and root get in), but the same close-after-refusal.
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuard()])),
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
        var services: [any Service] = [app]
        let refusals = runtime.refusals
        if let tcp = configuration.tcp {
            services.append(tcpListener(tcp, runtime: runtime, refusals: refusals, listeners: listeners, logger: logger))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(configuration.shutdownGraceSeconds)
        groupConfiguration.maximumCancellationDuration = .seconds(configuration.shutdownGraceSeconds)
        let group = ServiceGroup(configuration: groupConfiguration)
        // bind(2) creates the socket with 0777 & ~umask: this makes it 0600 (connect needs only
        // write). Put back to 0077 once listening, so directories made later stay traversable.
        umask(0o177)
        // Suppressed refusals are summed per window; this writes the sums even when no further
        // refusal comes to close the window.
        // At the default priority, not `.utility`: why in `PreparePriority`.
        let flusher = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(refusals.windowSeconds))
                refusals.flush()
            }
        }
        do {
            try await group.run()
        } catch {
            logger.error("server stopped on error", metadata: ["event": "daemon.server_error", "error": "\(error)"])
        }
        flusher.cancel()
        refusals.flush()
        logger.info("stopping projects", metadata: ["event": "daemon.stopping"])
        await runtime.detached.cancelAll()
        await engine.shutdown()
        // After the projects stopped (their last alerts are queued by now), before exit.
        await sinks.shutdown(graceMs: Int64(configuration.shutdownGraceSeconds) * 1000, logger: logger)
        await outbound.shutdown()
        unlink(socketPath)
        logger.info("stopped", metadata: ["event": "daemon.stopped"])
    }

    /// The same routes on TCP, each request behind a bearer token of the config and its scope.
    /// It shares the Unix socket's service group, so it starts, drains and stops with it.
    private static func tcpListener(
        _ tcp: TCPListenerConfiguration, runtime: Runtime, refusals: RefusalLog, listeners: A2AListeners, logger: Logger
    ) -> some Service {
        let limiter = ConnectionLimiter(total: tcp.maxConnections, perAddress: tcp.maxConnectionsPerAddress)
        let access = BearerTokenMiddleware(
            tokens: tcp.tokens, refusals: refusals, inProgress: TokenRequestLimiter(perToken: tcp.maxRequestsPerToken))
        return Application(
            router: buildRouter(runtime: runtime, access: access, listeners: listeners),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [ConnectionGuard(limiter: limiter, refusals: refusals)],
                    idleTimeout: .seconds(Int64(tcp.idleTimeoutSeconds)))),
            configuration: ApplicationConfiguration(address: .hostname(tcp.host, port: tcp.port), serverName: "jcs"),
            onServerRunning: { channel in
                listeners.tcpBound(channel.localAddress)
                logger.info(
                    "listening on tcp",
                    metadata: [
                        "event": "daemon.listening_tcp", "address": "\(channel.localAddress.map { "\($0)" } ?? "\(tcp.host):\(tcp.port)")",
                        "tokens": "\(tcp.tokens.tokens.map(\.name).joined(separator: ","))",
                    ])
            },
            logger: logger)
    }
}
