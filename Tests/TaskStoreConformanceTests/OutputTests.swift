import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Store: output")
struct OutputTests {
    @Test("Output comes back in order across appends and attempts, after any cursor", arguments: TestEngine.available)
    func order(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "o"))
            var expected: [String] = []
            for batch in 0..<5 {
                var pieces: [OutputPiece] = []
                for index in 0..<7 {
                    let text = "line \(batch)-\(index)\n"
                    expected.append(text)
                    pieces.append(OutputPiece(stream: index % 3 == 0 ? .stderr : .stdout, data: Data(text.utf8)))
                }
                _ = try await store.appendOutput(OutputAppend(taskID: "o", attempt: 1, pieces: pieces, capBytes: 1 << 20))
            }
            _ = try await store.appendOutput(OutputAppend(taskID: "o", attempt: 2, pieces: [OutputPiece(stream: .stdout, data: Data("second attempt\n".utf8))], capBytes: 1 << 20))
            expected.append("second attempt\n")
            let all = try await store.output(for: "o", after: nil, limit: 1000)
            #expect(all.map { String(decoding: $0.data, as: UTF8.self) } == expected)
            #expect(all.filter { $0.stream == .stderr }.count == 15)
            var paged: [OutputChunk] = []
            var cursor: OutputCursor?
            while true {
                let page = try await store.output(for: "o", after: cursor, limit: 4)
                if page.isEmpty { break }
                paged += page
                cursor = page.last?.cursor
            }
            #expect(paged == all)
        }
    }

    @Test("Output past the cap is dropped with one visible marker", arguments: TestEngine.available)
    func cap(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "big"))
            let piece = OutputPiece(stream: .stdout, data: Data(repeating: UInt8(ascii: "x"), count: 60))
            let first = try await store.appendOutput(OutputAppend(taskID: "big", attempt: 1, pieces: [piece], capBytes: 100))
            #expect(first == OutputAppendResult(storedBytes: 60, truncated: false))
            let second = try await store.appendOutput(OutputAppend(taskID: "big", attempt: 1, pieces: [piece, piece], capBytes: 100))
            #expect(second == OutputAppendResult(storedBytes: 100, truncated: true))
            let third = try await store.appendOutput(OutputAppend(taskID: "big", attempt: 1, pieces: [piece], capBytes: 100))
            #expect(third.truncated)
            let chunks = try await store.output(for: "big", after: nil, limit: 100)
            #expect(chunks.filter { $0.stream != .system }.reduce(0) { $0 + $1.data.count } == 100)
            let markers = chunks.filter { $0.stream == .system }
            #expect(markers.count == 1)
            #expect(String(decoding: markers[0].data, as: UTF8.self).contains("truncated at 100 bytes"))
            #expect(chunks.last?.stream == .system)
            let other = try await store.appendOutput(OutputAppend(taskID: "big", attempt: 2, pieces: [piece], capBytes: 100))
            #expect(other == OutputAppendResult(storedBytes: 60, truncated: false), "the cap is per attempt")
        }
    }

    @Test("Binary output is kept byte for byte", arguments: TestEngine.available)
    func binary(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "bin"))
            let bytes = Data((0...255).map { UInt8($0) } + [0xff, 0xfe, 0x00])
            _ = try await store.appendOutput(OutputAppend(taskID: "bin", attempt: 1, pieces: [OutputPiece(stream: .stdout, data: bytes)], capBytes: 1000))
            #expect(try await store.output(for: "bin", after: nil, limit: 10).first?.data == bytes)
        }
    }
}
