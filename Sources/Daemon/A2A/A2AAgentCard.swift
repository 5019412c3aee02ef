import CodeServer
import Sandbox

/// A project's agent card (A2A 1.0's `AgentCard` in its JSON mapping): the conversation agent of
/// the project, its JSON-RPC interface on each listener, streaming, and as skills the tools the
/// model may call plus a summary of the project's assets. The interface of the listener that
/// served the card comes first, since A2A clients take the first one they speak.
enum A2AAgentCard {
    static let version = "0.1.0"
    static let protocolVersion = "1.0"
    static let bearerScheme = "bearer"

    struct Endpoints {
        /// The Unix socket's path; nil when unknown.
        var socketPath: String?
        /// `http://HOST:PORT` of the TCP listener; nil when there is none.
        var tcpBase: String?
        /// The card was asked for over TCP, so its interface goes first.
        var servedOverTCP: Bool
    }

    static func card(project: Project, endpoints: Endpoints) -> JSONValue {
        let path = "/v1/projects/\(project.id)/a2a"
        var interfaces: [JSONValue] = []
        if let socket = endpoints.socketPath {
            interfaces.append(interface("http+unix://\(percentEncoded(socket))\(path)"))
        }
        if let tcp = endpoints.tcpBase {
            let entry = interface(tcp + path)
            if endpoints.servedOverTCP { interfaces.insert(entry, at: 0) } else { interfaces.append(entry) }
        }
        var skills: [JSONValue] = project.catalog.all.map { tool in
            [
                "id": .string("tool:\(tool.name)"), "name": .string(tool.name), "description": .string(tool.description),
                "tags": ["tool", "sandboxed"], "inputModes": ["text/plain"], "outputModes": ["text/plain"],
            ]
        }
        let counts = AssetKind.allCases.map { kind in (kind, project.assets.list(kind: kind.rawValue).count) }
        let summary = counts.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
        skills.append([
            "id": "assets", "name": "project assets",
            "description": .string("The project's assets the agent can draw on: \(summary)."),
            "tags": .array(["assets"] + counts.map { JSONValue.string("\($0.0.rawValue):\($0.1)") }),
            "inputModes": ["text/plain"], "outputModes": ["text/plain"],
        ])
        let model = project.options.llm.isConfigured
            ? "Answered by the model '\(project.options.llm.model ?? "")'."
            : "No model is configured (llm_base_url): messages are refused until one is."
        var card: [String: JSONValue] = [
            "name": .string("jcs:\(project.id)"),
            "description": .string(
                "The conversation agent of project '\(project.id)' on Jido.Code.Server: a message starts a turn in "
                    + "which the model may call the project's tools, each run through the project's policy in a "
                    + "kernel-enforced sandbox. A task is a conversation. \(model)"),
            "version": .string(version),
            "supportedInterfaces": .array(interfaces),
            "capabilities": ["streaming": true, "pushNotifications": false, "extendedAgentCard": false],
            "defaultInputModes": ["text/plain"], "defaultOutputModes": ["text/plain"],
            "skills": .array(skills),
        ]
        if endpoints.tcpBase != nil {
            card["securitySchemes"] = [
                bearerScheme: [
                    "httpAuthSecurityScheme": [
                        "scheme": "Bearer",
                        "description": "The TCP listener's tokens (tcp.tokens), scoped to projects. The Unix socket needs none: it admits the daemon's user and root.",
                    ]
                ]
            ]
            card["securityRequirements"] = [["schemes": [bearerScheme: ["list": []]]]]
        }
        return .object(card)
    }

    private static func interface(_ url: String) -> JSONValue {
        ["url": .string(url), "protocolBinding": "JSONRPC", "protocolVersion": .string(protocolVersion)]
    }

    /// The socket path as the host of an `http+unix://` URL: every byte but unreserved ones escaped.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved =
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || [UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~")].contains(byte)
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
