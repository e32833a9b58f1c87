import Foundation

/// Wall-clock timing for benchmarks (never for tests).
enum Measure {
    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((fraction * Double(sorted.count)).rounded(.up)) - 1)]
    }
}

/// A markdown table, printed at the end.
struct ResultTable {
    let title: String
    let headers: [String]
    var rows: [[String]] = []

    mutating func add(_ row: [String]) {
        rows.append(row)
        FileHandle.standardError.write(Data("  \(title): \(row.joined(separator: " | "))\n".utf8))
    }

    var markdown: String {
        var lines = ["### \(title)", "", "| " + headers.joined(separator: " | ") + " |",
                     "|" + headers.map { _ in " --- " }.joined(separator: "|") + "|"]
        lines += rows.map { "| " + $0.joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n")
    }
}

func format(_ value: Double, _ digits: Int = 2) -> String {
    String(format: "%.\(digits)f", value)
}

func log(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
