import AgentTurboCore
import Foundation

/// Short human forms for tables.
enum Formatting {
    /// `2026-11-28 23:51:23` in local time.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        return date.formatted(
            Date.VerbatimFormatStyle(
                format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits)",
                timeZone: .current, calendar: Calendar(identifier: .gregorian)
            )
        )
    }

    /// `12s ago`, `in 3m`.
    static func relative(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return "-" }
        let seconds = date.timeIntervalSince(now)
        return seconds > 1 ? "in \(DurationText.format(seconds))" : "\(DurationText.format(max(0, -seconds))) ago"
    }

    static func seconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.2fs", value)
    }

    static func cost(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "$%.4f", value)
    }

    static func bytes(_ value: Double?) -> String {
        guard let value else { return "-" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = value
        var unit = 0
        while amount >= 1024, unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(amount)) B" : String(format: "%.1f", amount) + " " + units[unit]
    }

    /// The first line of `text`, cut to `width` characters with an ellipsis.
    static func oneLine(_ text: String?, width: Int) -> String {
        guard let text else { return "" }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.count > width ? String(line.prefix(width - 1)) + "…" : line
    }
}
