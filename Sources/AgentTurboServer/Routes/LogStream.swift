import AgentTurboCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// A followed log as server-sent events: each stored chunk as one `data:` event (its `id:` the cursor, so a
/// reconnecting EventSource resumes), polling the store every `pollInterval`, then `event: end` once the task
/// has finished (or, for one attempt, moved past it) and its output is drained.
///
/// It stops early, without `end`, when the client goes away (the inbound side closes, which cancels the loop)
/// or the server shuts down gracefully, so an open dashboard never holds up a restart. A comment line is sent
/// after a quiet spell to keep proxies from closing the connection.
struct LogStream: Sendable {
    let store: any TaskStore
    let selection: LogSelection
    let pollInterval: Duration
    /// A comment line follows this much quiet, so proxies (and this server's idle timeout) see a live stream.
    let keepAliveInterval: Duration
    let followers: FollowerCount

    /// Chunks read per store call. A chunk is what one pipe read brought (up to 64 KiB), and a client that does
    /// not read holds its stream at one page (the writer waits for the socket): 16 chunks keep that near 1 MiB
    /// per follower, where 500 let 100 silent followers of a 10 MB log hold 2 GB.
    static let pageSize = 16

    func response(for request: Request) -> Response {
        let headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
            HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            followers.increment()
            defer { followers.decrement() }
            do {
                try await request.body.consumeWithCancellationOnInboundClose { _ in
                    try await stream(to: &writer)
                }
            } catch is CancellationError {
                return
            }
            try await writer.finish(nil)
        })
    }

    private func stream(to writer: inout any ResponseBodyWriter) async throws {
        var cursor = selection.start
        var ended: AgentTask?
        var quiet: Duration = .zero
        while !Task.isShuttingDownGracefully {
            let page = try await Self.shielded { [store, selection, cursor] in
                try await selection.read(from: store, after: cursor, limit: Self.pageSize)
            }
            if !page.chunks.isEmpty {
                for chunk in page.chunks {
                    try await writer.write(ByteBuffer(string: "id: \(chunk.cursor.text)\ndata: \(try JSONResponse.line(LogChunkBody(chunk)))\n\n"))
                }
                quiet = .zero
            }
            cursor = page.cursor
            if page.more {
                continue
            }
            // End after the read that follows the task's end, so output stored just before it is sent.
            if let ended {
                let end = LogEndBody(taskID: ended.taskID, status: ended.status.rawValue, attempt: ended.attempt)
                try await writer.write(ByteBuffer(string: "event: end\ndata: \(try JSONResponse.line(end))\n\n"))
                return
            }
            ended = try await Self.shielded { try await taskIfOver() }
            if ended == nil {
                try await Task.sleep(for: pollInterval)
                quiet += pollInterval
                if quiet >= keepAliveInterval {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    quiet = .zero
                }
            }
        }
    }

    /// Runs a store read in a task of its own, so that a client leaving (which cancels the stream) never cancels a
    /// read inside its transaction; the stream stops at its next await instead.
    private static func shielded<T: Sendable>(_ read: @escaping @Sendable () async throws -> T) async throws -> T {
        let value = try await Task { try await read() }.value
        try Task.checkCancellation()
        return value
    }

    /// The task once it has finished, or moved past the one attempt followed (that attempt's output is complete
    /// before the next claim); `nil` while output may still come.
    private func taskIfOver() async throws -> AgentTask? {
        let task = try await store.existingTask(selection.taskID)
        if let attempt = selection.attempt, task.attempt > attempt {
            return task
        }
        return task.status.isFinished ? task : nil
    }
}
