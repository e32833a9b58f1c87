import AgentTurboCore
import Foundation

/// Agent Turbo's secrets (the database URL, the API token) from wherever a service keeps them, so that they
/// need not sit in its environment, where every agent it starts would inherit them:
///
/// 1. the variable itself (`AGENT_TURBO_DATABASE_URL`);
/// 2. a file named by `<variable>_FILE` (`AGENT_TURBO_DATABASE_URL_FILE=/run/secrets/db-url`);
/// 3. a systemd credential, `$CREDENTIALS_DIRECTORY/<credential>` (`LoadCredential=database-url:/etc/...`).
///
/// A file's trailing newline is not part of the secret.
struct SecretSource: Sendable {
    var variable: String
    /// The credential's name under `$CREDENTIALS_DIRECTORY`.
    var credential: String

    static let databaseURL = SecretSource(variable: "AGENT_TURBO_DATABASE_URL", credential: "database-url")
    static let apiToken = SecretSource(variable: "AGENT_TURBO_API_TOKEN", credential: "api-token")

    /// The secret, or `nil` when none of the three gives one.
    func value(in environment: [String: String]) throws(InputError) -> String? {
        let direct = environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        let file = environment[variable + "_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if direct != nil, file != nil {
            throw InputError("both \(variable) and \(variable)_FILE are set: keep one of them")
        }
        if let direct {
            return direct
        }
        if let file {
            return try Self.read(file, what: "\(variable)_FILE")
        }
        if let folder = environment["CREDENTIALS_DIRECTORY"], !folder.isEmpty,
            FileManager.default.fileExists(atPath: folder + "/" + credential)
        {
            return try Self.read(folder + "/" + credential, what: "the systemd credential '\(credential)'")
        }
        return nil
    }

    private static func read(_ path: String, what: String) throws(InputError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InputError("cannot read \(what) (\(path)): \((error as NSError).localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError("\(what) (\(path)) is not UTF-8 text")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else {
            throw InputError("\(what) (\(path)) is empty")
        }
        return secret
    }
}
