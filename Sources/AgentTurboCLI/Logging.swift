import ArgumentParser
import Foundation
import Logging
import Synchronization

/// `--log-format`: human text on a terminal, JSON lines for services.
enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}

/// `--log-level`, with the names swift-log uses.
struct LogLevelOption: ExpressibleByArgument, Sendable {
    var level: Logger.Level

    init(level: Logger.Level) {
        self.level = level
    }

    init?(argument: String) {
        guard let level = Logger.Level(rawValue: argument.lowercased()) else { return nil }
        self.level = level
    }

    static let info = LogLevelOption(level: .info)
    static var allValueStrings: [String] { Logger.Level.allCases.map(\.rawValue) }
}

/// Installs the log handler once per process; logs go to stderr so that stdout stays for results.
enum LoggingSetup {
    private static let done = Mutex(false)

    static func bootstrap(format: LogFormat, level: Logger.Level) {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            var handler = StructuredLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
    }
}

/// Writes one line per message to stderr: `2026-11-28T23:51:23.123Z info worker: message key=value` as text,
/// or a JSON object with `ts`, `level`, `logger`, `msg` and the metadata as JSON lines.
struct StructuredLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, format: LogFormat) {
        self.label = label
        self.format = format
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata {
            merged.merge(extra) { $1 }
        }
        let timestamp = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        let line: String
        switch format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(timestamp) \(event.level) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)\n"
        case .json:
            var object: [String: String] = ["ts": timestamp, "level": event.level.rawValue, "logger": label, "msg": "\(event.message)"]
            for (key, value) in merged {
                object[key] = "\(value)"
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            line = String(decoding: (try? encoder.encode(object)) ?? Data(), as: UTF8.self) + "\n"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
