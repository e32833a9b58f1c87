import AgentTurboCore
import Foundation
import Testing

@Suite("Durations as people type them")
struct DurationTextTests {
    @Test("Durations parse in their units", arguments: [("90", 90.0), ("30s", 30), ("500ms", 0.5), ("1h30m", 5400), ("7d", 604_800)])
    func parses(text: String, seconds: Double) throws {
        #expect(try DurationText.seconds(text, what: "--timeout") == seconds)
    }

    @Test("Absurd lengths are refused with a sentence, never a crash in a conversion later",
          arguments: ["99999999999999999999", "1e30", "99999999999999999999s", "200000w"])
    func refusesAbsurd(text: String) {
        do {
            _ = try DurationText.seconds(text, what: "--lease")
            Issue.record("\(text) was taken")
        } catch {
            #expect(error.message.contains("longer than a hundred years"))
        }
        #expect(throws: InputError.self) { try TimeText.date("+" + text, what: "--after") }
    }
}
