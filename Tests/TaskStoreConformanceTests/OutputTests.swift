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
            var sequence = 0
            for batch in 0..<5 {
                var pieces: [OutputPiece] = []
                for index in 0..<7 {
                    let text = "line \(batch)-\(index)\n"
                    expected.append(text)
                    sequence += 2
                    pieces.append(OutputPiece(stream: index % 3 == 0 ? .stderr : .stdout, data: Data(text.utf8), sequence: sequence))
                }
                try await store.appendOutput(OutputAppend(taskID: "o", attempt: 1, pieces: pieces))
            }
            try await store.appendOutput(OutputAppend(taskID: "o", attempt: 2, pieces: [OutputPiece(stream: .stdout, data: Data("second attempt\n".utf8), sequence: 1)]))
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

    @Test("A piece shipped again (a retry after a lost answer, a restarted worker) is stored once; shipping resumes after the highest sequence", arguments: TestEngine.available)
    func shippedTwice(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "twice"))
            #expect(try await store.lastOutputSequence(taskID: "twice", attempt: 1) == 0)
            let first = [OutputPiece(stream: .stdout, data: Data("a\n".utf8), sequence: 3), OutputPiece(stream: .stderr, data: Data("b\n".utf8), sequence: 5)]
            try await store.appendOutput(OutputAppend(taskID: "twice", attempt: 1, pieces: first))
            try await store.appendOutput(OutputAppend(taskID: "twice", attempt: 1, pieces: first + [OutputPiece(stream: .stdout, data: Data("c\n".utf8), sequence: 9)]))
            let chunks = try await store.output(for: "twice", after: nil, limit: 100)
            #expect(chunks.map { String(decoding: $0.data, as: UTF8.self) } == ["a\n", "b\n", "c\n"])
            #expect(chunks.map(\.sequence) == [3, 5, 9])
            #expect(try await store.lastOutputSequence(taskID: "twice", attempt: 1) == 9)
            #expect(try await store.lastOutputSequence(taskID: "twice", attempt: 2) == 0, "per attempt")
        }
    }

    @Test("Binary output is kept byte for byte", arguments: TestEngine.available)
    func binary(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "bin"))
            let bytes = Data((0...255).map { UInt8($0) } + [0xff, 0xfe, 0x00])
            try await store.appendOutput(OutputAppend(taskID: "bin", attempt: 1, pieces: [OutputPiece(stream: .stdout, data: bytes, sequence: 1)]))
            #expect(try await store.output(for: "bin", after: nil, limit: 10).first?.data == bytes)
        }
    }
}
