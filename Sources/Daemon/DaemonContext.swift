import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the connection's channel, which the
/// peer-credential check reads SO_PEERCRED from.
public struct DaemonContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Larger bodies are refused by `JSONBody` with its own structured error.
    public var maxUploadSize: Int { JSONBody.maximumBytes }
}
