import Sandbox

/// The sandbox of a command that asks for other settings than the project's (`profile:`,
/// `network:`): its effective profile and compiled filter, built once when the command loads so a
/// bad profile makes the command invalid instead of failing its calls.
public struct SandboxOverride: Sendable, Equatable {
    public let profile: Profile
    let filter: SeccompProgram

    public static func == (lhs: SandboxOverride, rhs: SandboxOverride) -> Bool { lhs.profile == rhs.profile }
}

/// Builds the `SandboxOverride` of each command from the project's options and profile.
struct CommandSandboxes {
    let options: RuntimeOptions
    /// The project's effective profile.
    let projectProfile: Profile

    /// Nil when the command runs in the project's own sandbox; a reason when it cannot run at all.
    func sandbox(for command: CommandDefinition) -> Result<SandboxOverride?, CommandSandboxError> {
        guard command.profile != nil || command.network != nil else { return .success(nil) }
        var profile = projectProfile
        if let name = command.profile {
            // Built-in names only: an asset file must not make the coordinator read other files.
            guard !name.contains("/") else {
                return .failure(.init(reason: "profile '\(name)' must be a built-in profile name"))
            }
            do {
                profile = ProjectProfile.effective(try ProfileResolver.resolve(nameOrPath: name), options: options)
            } catch {
                return .failure(.init(reason: "profile '\(name)': \(error)"))
            }
        }
        switch command.network {
        case .none?:
            profile.network.mode = .none
        case .egress?:
            guard options.networkEgressPolicy == .allow else {
                return .failure(.init(reason: "network: egress needs the project's network_egress_policy to be allow"))
            }
            // The empty namespace stays: the project's egress proxy is the way out.
            break
        case nil:
            break
        }
        guard profile.filesystem.workspacePath == projectProfile.filesystem.workspacePath else {
            return .failure(
                .init(reason: "profile '\(profile.name)' mounts the project at \(profile.filesystem.workspacePath), not \(projectProfile.filesystem.workspacePath)"))
        }
        guard profile != projectProfile else { return .success(nil) }
        do {
            return .success(SandboxOverride(profile: profile, filter: try SeccompProgram(profile: profile)))
        } catch {
            return .failure(.init(reason: "profile '\(profile.name)': \(error.description)"))
        }
    }
}

struct CommandSandboxError: Error, Sendable, Equatable {
    var reason: String
}
