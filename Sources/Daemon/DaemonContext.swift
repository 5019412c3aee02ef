import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the connection's channel, which the
/// peer-credential check reads SO_PEERCRED from.
public struct DaemonContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// Set by the TCP listener's token check: the caller is remote, so it is gateway `http`
    /// whatever it says about itself (`X-JCS-Client` only distinguishes local callers).
    var isRemote = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Larger bodies are refused by `JSONBody` with its own structured error.
    public var maxUploadSize: Int { JSONBody.maximumBytes }
}
