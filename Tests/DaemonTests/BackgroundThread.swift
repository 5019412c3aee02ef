#if canImport(Glibc)
import Glibc
#endif


/// A plain thread running `body` beside the test (a load generator, a flood), joined by the test.
/// A thread, not a task: the body makes blocking socket calls.
final class BackgroundThread {
    private var handle: pthread_t?

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    struct Failure: Error, CustomStringConvertible {
        var code: Int32
        var description: String { "pthread_create: \(code)" }
    }

    init(_ body: @escaping @Sendable () -> Void) throws {
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, Unmanaged.passRetained(Box(body)).toOpaque())
        guard rc == 0 else { throw Failure(code: rc) }
        handle = thread
    }

    func join() {
        guard let thread = handle else { return }
        handle = nil
        pthread_join(thread, nil)
    }

    deinit { join() }
}
