import Foundation

/// Durations as people type them: `90`, `30s`, `500ms`, `2h`, `1h30m`, `7d`.
public enum DurationText {
    private static let units: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400), ("w", 604_800),
    ]

    /// The longest duration taken: a hundred years. Longer ones are typing mistakes, and past about 2^63
    /// nanoseconds they no longer fit the integers that timers and timestamps are made of.
    public static let maximumSeconds: Double = 100 * 365.25 * 86400

    /// Parses a duration into seconds; `what` names the option in the error message.
    public static func seconds(_ text: String, what: String) throws(InputError) -> Double {
        let seconds = try unbounded(text, what: what)
        guard seconds <= maximumSeconds else {
            throw InputError("\(what) '\(text)' is longer than a hundred years: give a shorter duration such as 30s, 2h or 7d")
        }
        return seconds
    }

    private static func unbounded(_ text: String, what: String) throws(InputError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed.hasPrefix("-") {
            throw InputError("\(what) must not be negative, and '\(text)' is")
        }
        if let plain = Double(trimmed), plain.isFinite, plain >= 0 {
            return plain
        }
        var total = 0.0
        var number = ""
        var rest = Substring(trimmed)
        var sawPart = false
        while let character = rest.first {
            if character.isNumber || character == "." {
                number.append(character)
                rest = rest.dropFirst()
                continue
            }
            guard let unit = units.first(where: { rest.hasPrefix($0.suffix) && !(rest.hasPrefix("ms") && $0.suffix == "m") }),
                let value = Double(number)
            else {
                throw invalid(text, what: what)
            }
            total += value * unit.seconds
            number = ""
            sawPart = true
            rest = rest.dropFirst(unit.suffix.count)
        }
        guard sawPart, number.isEmpty else { throw invalid(text, what: what) }
        return total
    }

    private static func invalid(_ text: String, what: String) -> InputError {
        InputError("\(what) '\(text)' is not a duration: write it like 90, 30s, 15m, 2h, 1h30m or 7d")
    }

    /// A short human form: `45s`, `12m`, `3h`, `2d`.
    public static func format(_ seconds: Double) -> String {
        switch seconds {
        case ..<1: String(format: "%.0fms", seconds * 1000)
        case ..<60: String(format: seconds < 10 ? "%.1fs" : "%.0fs", seconds)
        case ..<3600: "\(Int(seconds / 60))m"
        case ..<86400: "\(Int(seconds / 3600))h"
        default: "\(Int(seconds / 86400))d"
        }
    }
}

/// Points in time as people type them: `+30s` or `+2h` (or `30s`) from now, or an ISO-8601 timestamp.
public enum TimeText {
    public static func date(_ text: String, what: String, now: Date = Date()) throws(InputError) -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("+") {
            return now.addingTimeInterval(try DurationText.seconds(String(trimmed.dropFirst()), what: what))
        }
        if let date = Timestamp.parse(trimmed) {
            return date
        }
        if !trimmed.hasPrefix("-"), let seconds = try? DurationText.seconds(trimmed, what: what) {
            return now.addingTimeInterval(seconds)
        }
        throw InputError(
            "\(what) '\(text)' is neither a delay such as +30s or +2h nor a timestamp such as 2026-12-01T09:00:00Z"
        )
    }
}

/// Sizes as people type them: `512MiB`, `2GiB`, `10MB`, `1048576`.
public enum ByteSizeText {
    private static let units: [(suffix: String, factor: Double)] = [
        ("kib", 1024), ("mib", 1024 * 1024), ("gib", 1024 * 1024 * 1024), ("tib", 1024 * 1024 * 1024 * 1024),
        ("kb", 1000), ("mb", 1_000_000), ("gb", 1_000_000_000), ("tb", 1_000_000_000_000),
        ("k", 1024), ("m", 1024 * 1024), ("g", 1024 * 1024 * 1024), ("b", 1),
    ]

    public static func bytes(_ text: String, what: String) throws(InputError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "")
        if let plain = Int64(trimmed), plain >= 0 {
            return plain
        }
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            if let number = Double(trimmed.dropLast(unit.suffix.count)), number >= 0, number.isFinite {
                return Int64(number * unit.factor)
            }
        }
        throw InputError("\(what) '\(text)' is not a size: write it like 512MiB, 2GiB or 10MB")
    }
}
