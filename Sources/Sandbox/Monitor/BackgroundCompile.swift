#if canImport(Glibc)
import Glibc
#endif

/// Compiles a profile's filter on a thread of its own, so a one-shot caller (the CLI) overlaps
/// the ~0.3 ms of libseccomp (and the profile's sha256) with building the sandbox.
public final class BackgroundCompile: @unchecked Sendable {
    private let profile: Profile
    private var result: Result<SeccompProgram, SandboxError>?
    private var thread = pthread_t()
    private var started = false

    public init(profile: Profile) {
        self.profile = profile
        let context = Unmanaged.passRetained(self).toOpaque()
        started = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<BackgroundCompile>.fromOpaque(raw!).takeRetainedValue()
            job.compile()
            return nil
        }, context) == 0
        if !started {
            Unmanaged<BackgroundCompile>.fromOpaque(context).release()
            compile()
        }
    }

    private func compile() {
        do {
            result = .success(try SeccompProgram(profile: profile))
        } catch {
            result = .failure(error)
        }
    }

    /// Waits for the compilation; pthread_join orders the thread's write of `result` before
    /// our read.
    public func program() throws(SandboxError) -> SeccompProgram {
        if started {
            pthread_join(thread, nil)
            started = false
        }
        switch result {
        case .success(let program): return program
        case .failure(let error): throw error
        case nil: throw .filterCompile(reason: "the compilation thread did not run")
        }
    }
}
