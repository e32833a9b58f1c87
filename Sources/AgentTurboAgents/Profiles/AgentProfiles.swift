import AgentTurboCore
import Foundation

/// The profiles a worker knows: the built-in ones, overridden and extended by the config file.
public struct AgentProfiles: Sendable {
    public private(set) var byName: [String: AgentProfile]

    public init(_ profiles: [AgentProfile] = BuiltinProfiles.all) {
        byName = Dictionary(uniqueKeysWithValues: profiles.map { ($0.name, $0) })
    }

    public subscript(name: String) -> AgentProfile? { byName[name] }

    public var names: [String] { byName.keys.sorted() }

    /// What `submit`, `run` and the API check tasks against before storing them: the names, and how long a
    /// prompt each profile can take.
    public var catalog: AgentCatalog {
        AgentCatalog(byName.values.map { profile in
            AgentCatalog.Entry(
                name: profile.name, longestPrompt: profile.longestPrompt,
                unusableBecause: profile.executable == nil && !profile.runsAgentTurbo ? profile.unconfiguredMessage : nil
            )
        })
    }

    /// Applies the `profiles` section of a config file.
    public mutating func apply(_ overrides: [String: ProfileOverride]) throws(InputError) {
        for (name, override) in overrides.sorted(by: { $0.key < $1.key }) {
            try AgentName.validate(name)
            let base = byName[name] ?? AgentProfile(
                name: name, executable: nil, arguments: [], style: .plain, outputFormat: .text
            )
            byName[name] = try override.applied(to: base)
        }
    }
}

/// One profile's entry in the config file; every field is optional and replaces (or, for `environment` and
/// `extra_arguments`, adds to) the built-in value.
public struct ProfileOverride: Sendable, Hashable, Decodable {
    public var executable: String?
    public var arguments: [String]?
    public var extraArguments: [String]?
    public var promptDelivery: AgentProfile.PromptDelivery?
    public var stdinArgument: String?
    public var style: AgentProfile.Style?
    public var outputFormat: AgentProfile.OutputFormat?
    public var environment: [String: String]?
    public var removeEnvironment: [String]?
    public var passEnvironment: [String]?
    public var configDirVariable: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case executable
        case arguments
        case extraArguments = "extra_arguments"
        case promptDelivery = "prompt_delivery"
        case stdinArgument = "stdin_argument"
        case style
        case outputFormat = "output_format"
        case environment
        case removeEnvironment = "remove_environment"
        case passEnvironment = "pass_environment"
        case configDirVariable = "config_dir_variable"
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "a profile")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        executable = try container.decodeIfPresent(String.self, forKey: .executable)
        arguments = try container.decodeIfPresent([String].self, forKey: .arguments)
        extraArguments = try container.decodeIfPresent([String].self, forKey: .extraArguments)
        promptDelivery = try container.decodeIfPresent(AgentProfile.PromptDelivery.self, forKey: .promptDelivery)
        stdinArgument = try container.decodeIfPresent(String.self, forKey: .stdinArgument)
        style = try container.decodeIfPresent(AgentProfile.Style.self, forKey: .style)
        outputFormat = try container.decodeIfPresent(AgentProfile.OutputFormat.self, forKey: .outputFormat)
        environment = try container.decodeIfPresent([String: String].self, forKey: .environment)
        removeEnvironment = try container.decodeIfPresent([String].self, forKey: .removeEnvironment)
        passEnvironment = try container.decodeIfPresent([String].self, forKey: .passEnvironment)
        configDirVariable = try container.decodeIfPresent(String.self, forKey: .configDirVariable)
    }

    func applied(to base: AgentProfile) throws(InputError) -> AgentProfile {
        var profile = base
        if let executable {
            guard !executable.isEmpty else {
                throw InputError("profile '\(base.name)' has an empty executable: give a program name or path")
            }
            profile.executable = executable
        }
        if let arguments {
            profile.arguments = arguments
            // A new template says nothing about how the new program reads stdin unless it says so.
            profile.stdinPromptArgument = nil
        }
        if let extraArguments {
            profile.arguments = AgentProfile.insertingFlags(extraArguments, into: profile.arguments)
        }
        profile.promptDelivery = promptDelivery ?? profile.promptDelivery
        profile.stdinPromptArgument = stdinArgument ?? profile.stdinPromptArgument
        profile.style = style ?? profile.style
        profile.outputFormat = outputFormat ?? profile.outputFormat
        profile.environment.merge(environment ?? [:]) { $1 }
        profile.removeEnvironment += removeEnvironment ?? []
        for name in passEnvironment ?? [] {
            guard !name.isEmpty, !name.dropLast(name.hasSuffix("*") ? 1 : 0).contains(where: { $0 == "*" || $0 == "=" })
            else {
                throw InputError("profile '\(base.name)' has pass_environment entry '\(name)': give a variable name, or a prefix ending in *")
            }
            profile.passEnvironment.append(name)
        }
        if let configDirVariable {
            profile.configDirectoryVariable = configDirVariable.isEmpty ? nil : configDirVariable
        }
        return profile
    }
}
