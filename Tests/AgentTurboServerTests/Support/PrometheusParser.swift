import Foundation
import HTTPTypes

/// A strict reader of the Prometheus text exposition format 0.0.4, enough to hold `/metrics` to it: every
/// line is a `# HELP`, a `# TYPE` or a sample; a family's HELP and TYPE come once, before its samples; label
/// values are quoted with `\\`, `\"` and `\n` escapes; values parse as floats (`NaN`, `+Inf`, `-Inf` too).
struct PrometheusExposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    var samples: [Sample] = []
    var types: [String: String] = [:]
    var helps: [String: String] = [:]

    init(parsing text: String) throws {
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = String(rawLine)
            if line.isEmpty {
                continue
            }
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2, Self.isMetricName(parts[0]) else {
                    throw ParseError(line: number, reason: "malformed comment '\(line)'")
                }
                if line.hasPrefix("# HELP ") {
                    guard helps[parts[0]] == nil else { throw ParseError(line: number, reason: "second HELP for \(parts[0])") }
                    helps[parts[0]] = parts[1]
                } else {
                    guard types[parts[0]] == nil else { throw ParseError(line: number, reason: "second TYPE for \(parts[0])") }
                    guard ["counter", "gauge", "summary", "histogram", "untyped"].contains(parts[1]) else {
                        throw ParseError(line: number, reason: "unknown type \(parts[1])")
                    }
                    guard !samples.contains(where: { Self.family(of: $0.name, in: [parts[0]: ""]) == parts[0] }) else {
                        throw ParseError(line: number, reason: "TYPE for \(parts[0]) after its samples")
                    }
                    types[parts[0]] = parts[1]
                }
                continue
            }
            if line.hasPrefix("#") {
                continue
            }
            let sample = try Self.sample(line, number: number)
            guard Self.family(of: sample.name, in: types) != nil else {
                throw ParseError(line: number, reason: "sample \(sample.name) has no TYPE line before it")
            }
            samples.append(sample)
        }
    }

    /// The value of the one sample with this name and labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The family a sample belongs to: its own name, or a summary's/histogram's base name.
    static func family(of name: String, in types: [String: String]) -> String? {
        if types[name] != nil {
            return name
        }
        for suffix in ["_count", "_sum", "_bucket"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] != nil {
                return base
            }
        }
        return nil
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" || first == ":" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    private static func sample(_ line: String, number: Int) throws -> Sample {
        var rest = Substring(line)
        let name = String(rest.prefix { $0 != "{" && $0 != " " })
        guard isMetricName(name) else { throw ParseError(line: number, reason: "bad metric name in '\(line)'") }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let key = String(rest.prefix { $0 != "=" })
                guard isMetricName(key), !key.contains(":") else { throw ParseError(line: number, reason: "bad label name in '\(line)'") }
                rest = rest.dropFirst(key.count)
                guard rest.hasPrefix("=\"") else { throw ParseError(line: number, reason: "label \(key) has no quoted value") }
                rest = rest.dropFirst(2)
                var value = ""
                while true {
                    guard let character = rest.first else { throw ParseError(line: number, reason: "unterminated label value") }
                    rest = rest.dropFirst()
                    if character == "\"" {
                        break
                    }
                    if character == "\\" {
                        guard let escaped = rest.first else { throw ParseError(line: number, reason: "dangling escape") }
                        rest = rest.dropFirst()
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw ParseError(line: number, reason: "unknown escape \\\(escaped)")
                        }
                    } else {
                        value.append(character)
                    }
                }
                guard labels[key] == nil else { throw ParseError(line: number, reason: "label \(key) twice") }
                labels[key] = value
                if rest.first == "," {
                    rest = rest.dropFirst()
                } else if rest.first != "}" {
                    throw ParseError(line: number, reason: "expected , or } in '\(line)'")
                }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw ParseError(line: number, reason: "no space before the value in '\(line)'") }
        let fields = rest.dropFirst().split(separator: " ")
        guard (1...2).contains(fields.count) else { throw ParseError(line: number, reason: "bad value in '\(line)'") }
        let text = String(fields[0])
        let value: Double? = switch text {
        case "NaN": .nan
        case "+Inf": .infinity
        case "-Inf": -.infinity
        default: Double(text)
        }
        guard let value else { throw ParseError(line: number, reason: "'\(text)' is not a float") }
        return Sample(name: name, labels: labels, value: value)
    }
}
