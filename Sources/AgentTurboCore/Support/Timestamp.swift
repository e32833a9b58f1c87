import Foundation

/// The one timestamp format of the project: ISO-8601 in UTC with milliseconds, `2026-11-28T23:51:23.123Z`.
/// SQLite stores timestamps as this text, so that text order is time order.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        date.formatted(formatStyle)
    }

    private static let formatStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    /// Parses ISO-8601 with or without fractional seconds, with `Z` or an offset; also `YYYY-MM-DD HH:MM:SS`
    /// (taken as UTC) and a bare date.
    public static func parse(_ text: String) -> Date? {
        if let date = try? formatStyle.parse(text) {
            return date
        }
        if let date = try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text) {
            return date
        }
        let normalized = text.replacingOccurrences(of: " ", with: "T")
        if normalized != text, let date = parse(normalized.hasSuffix("Z") ? normalized : normalized + "Z") {
            return date
        }
        if text.count == 10, let date = try? Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().parse(text) {
            return date
        }
        return nil
    }
}
