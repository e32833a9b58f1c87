import Foundation

/// When a usage limit resets, read from Claude Code's messages:
/// - `You've hit your 5-hour limit · resets 2:52am (UTC)` (today, or the next day once that time passed)
/// - `You've hit your weekly limit · resets Dec 2, 12:12pm (Europe/Berlin)`
/// - the older `Claude AI usage limit reached|1767225600` (Unix seconds)
public enum UsageLimitReset {
    public static func parse(_ text: String, now: Date = Date()) -> Date? {
        if let bar = text.lastIndex(of: "|"), text.lowercased().contains("limit reached") {
            let digits = text[text.index(after: bar)...].prefix { $0.isNumber }
            if let seconds = Double(digits), seconds > 1_000_000_000 {
                return Date(timeIntervalSince1970: seconds)
            }
        }
        guard let resets = text.range(of: "resets ", options: .backwards) else { return nil }
        var rest = text[resets.upperBound...]
        var zone = TimeZone.current
        if let open = rest.lastIndex(of: "("), let close = rest.lastIndex(of: ")"), open < close {
            let name = String(rest[rest.index(after: open)..<close])
            zone = TimeZone(identifier: name) ?? TimeZone(abbreviation: name) ?? zone
            rest = rest[..<open]
        }
        let spec = rest.trimmingCharacters(in: .whitespaces)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.defaultDate = now
        for format in ["MMM d, h:mma", "MMM d, ha", "h:mma", "ha"] {
            formatter.dateFormat = format
            guard let parsed = formatter.date(from: spec) else { continue }
            if format.hasPrefix("MMM") {
                // No year is given: the next such date from now.
                var components = calendar.dateComponents([.month, .day, .hour, .minute], from: parsed)
                components.year = calendar.component(.year, from: now)
                guard var date = calendar.date(from: components) else { return nil }
                if date < now.addingTimeInterval(-86400) {
                    components.year! += 1
                    date = calendar.date(from: components) ?? date
                }
                return date
            }
            // A clock time: today in that zone, or tomorrow if it already passed.
            let clock = calendar.dateComponents([.hour, .minute], from: parsed)
            guard let today = calendar.date(bySettingHour: clock.hour ?? 0, minute: clock.minute ?? 0, second: 0, of: now)
            else { return nil }
            return today >= now.addingTimeInterval(-60) ? today : calendar.date(byAdding: .day, value: 1, to: today)
        }
        return nil
    }
}
