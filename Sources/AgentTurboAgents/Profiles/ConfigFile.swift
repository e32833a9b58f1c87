import AgentTurboCore
import Foundation

/// The config file (`--config FILE`, or `$AGENT_TURBO_HOME/config.json` when it exists): JSON with a
/// `profiles` object whose keys are profile names.
///
/// ```json
/// {"profiles": {"claude": {"executable": "/opt/claude/bin/claude", "environment": {"ANTHROPIC_BASE_URL": "http://gateway:8080"}},
///               "lint": {"executable": "ruff", "arguments": ["check", "{prompt}"]}}}
/// ```
public struct ConfigFile: Sendable, Decodable {
    public var profiles: [String: ProfileOverride]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case profiles
        /// Read by the worker as `WorkspaceSettings` (AgentTurboWorkspaces).
        case worktrees
    }

    public init(profiles: [String: ProfileOverride] = [:]) {
        self.profiles = profiles
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "the config file")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        profiles = try container.decodeIfPresent([String: ProfileOverride].self, forKey: .profiles) ?? [:]
    }

    /// The config file in use: the one given, or `$AGENT_TURBO_HOME/config.json`.
    public static func path(explicitPath: String?, home: String) -> String {
        explicitPath ?? home + "/config.json"
    }

    /// Loads the profiles: the file given, or the default file if it exists, applied over the built-in ones.
    public static func loadProfiles(explicitPath: String?, home: String) throws -> AgentProfiles {
        var profiles = AgentProfiles()
        let path = path(explicitPath: explicitPath, home: home)
        guard FileManager.default.fileExists(atPath: path) else {
            if let explicitPath {
                throw InputError("the config file '\(explicitPath)' does not exist")
            }
            return profiles
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InputError("cannot read the config file '\(path)': \(error.localizedDescription)")
        }
        do {
            let file = try JSONDecoder().decode(ConfigFile.self, from: data)
            if let duplicate = DuplicateJSONKeys.first(in: data) {
                throw InputError(duplicate.message())
            }
            try profiles.apply(file.profiles)
        } catch let error as InputError {
            throw InputError("config file '\(path)': \(error.message)")
        } catch {
            throw InputError("config file '\(path)' is not valid: \(TaskLines.describe(error))")
        }
        return profiles
    }
}
