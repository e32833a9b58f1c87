import AgentTurboAgents
import AgentTurboCore
import Foundation
import Testing

@testable import AgentTurboWorker

/// The spool as the supervisor writes it and the worker reads it, without a supervisor.
@Suite("Spool records")
struct SpoolTests {
    func record(_ kind: Character, _ text: String) -> Data {
        let data = Data(text.utf8)
        var header = Data([UInt8(data.count & 0xff), UInt8((data.count >> 8) & 0xff), UInt8((data.count >> 16) & 0xff), UInt8(data.count >> 24)])
        header += [kind.asciiValue!, 0, 0, 0]
        return header + data
    }

    @Test("Whole records in order; one not yet wholly written waits for the rest")
    func partialRecord() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let whole = record("p", "42") + record("o", "hello\n") + record("e", "oops\n")
        let next = record("o", "world\n")
        _ = FileManager.default.createFile(atPath: path, contents: whole + next.prefix(5))
        let reader = SpoolReader(path: path)
        let first = reader.read()
        #expect(first.map(\.kind) == [.pid, .stdout, .stderr])
        #expect(first.map(\.index) == [1, 2, 3])
        #expect(reader.read().isEmpty)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(next.dropFirst(5))
        try handle.close()
        let second = reader.read()
        #expect(second.map { String(decoding: $0.data, as: UTF8.self) } == ["world\n"])
        #expect(second.first?.index == 4)
        #expect(reader.read().isEmpty)
        // Resuming after the first three records (shipped before) reads the fourth next.
        reader.rewind(to: SpoolReader.Position(offset: 0, records: 0))
        reader.skip(records: 3)
        #expect(reader.read().map(\.index) == [4])
    }

    @Test("Pieces join neighbouring records of one stream and carry the last record's index")
    func pieces() {
        let records = [
            SpoolRecord(index: 1, kind: .pid, data: Data("7".utf8)),
            SpoolRecord(index: 2, kind: .stdout, data: Data("a".utf8)),
            SpoolRecord(index: 3, kind: .stdout, data: Data("b".utf8)),
            SpoolRecord(index: 4, kind: .stderr, data: Data("c".utf8)),
            SpoolRecord(index: 5, kind: .note, data: Data("d".utf8)),
            SpoolRecord(index: 6, kind: .stdout, data: Data("e".utf8)),
        ]
        let pieces = OutputShipper.pieces(from: records)
        #expect(pieces.map(\.stream) == [OutputSource.stdout, .stderr, .system, .stdout])
        #expect(pieces.map { String(decoding: $0.data, as: UTF8.self) } == ["ab", "c", "d", "e"])
        #expect(pieces.map(\.sequence) == [3, 4, 5, 6])
    }

    @Test("The supervisor's status file: exit or signal, when it ended and was stopped, what it launched")
    func status() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
        version=1
        agent_pid=9
        signal=15
        started_ns=1000000000
        exit_ns=3000000000
        stop_ns=2000000000
        worker_died=0
        user_usec=1500000
        system_usec=500000
        peak_rss_kib=2048
        stored_bytes=10
        dropped_bytes=5
        truncated=1

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let exit = try #require(ProcessExit.read(statusFile: path))
        #expect(exit.status == .signaled(15))
        #expect(exit.wallSeconds == 2)
        #expect(exit.peakMemoryBytes == 2 << 20)
        #expect(exit.userCPUSeconds == 1.5)
        #expect(exit.output.truncated)
        #expect(exit.output.droppedBytes == 5)
        #expect(!exit.endedBeforeAnyStop)
        #expect(exit.launchFailure == nil)
        #expect(exit.stopDelivered == nil)
        // Stopped after its end was seen, but the agent had ended before the supervisor could signal it.
        try "version=1\nexit_code=0\nexit_ns=3000000000\nstop_ns=2000000000\nworker_died=0\nstop_delivered=0\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let unsignalled = try #require(ProcessExit.read(statusFile: path))
        #expect(unsignalled.stopDelivered == false)
        #expect(unsignalled.endedBeforeAnyStop)
        try "version=1\nspawn_errno=2\nspawn_stage=cwd\nexit_ns=5\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ProcessExit.read(statusFile: path)?.launchFailure == ProcessExit.LaunchFailure(errorNumber: 2, stage: "cwd"))
        try "version=7\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ProcessExit.read(statusFile: path) == nil, "an unknown version is not guessed at")
    }
}
