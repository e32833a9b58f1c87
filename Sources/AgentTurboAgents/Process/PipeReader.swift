import AgentTurboCore
import Foundation
import NIOCore
import NIOPosix

/// Reads a pipe to its end with SwiftNIO's event loop (no thread blocked per pipe) and puts what it reads in
/// an ``OutputQueue``. Reading pauses while the queue is full: NIO stops reading, the pipe fills, the agent
/// waits.
public enum PipeReader {
    public static func drain(_ descriptor: CInt, as stream: OutputSource, into queue: OutputQueue) async {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .takingOwnershipOfDescriptor(input: descriptor) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            // The bootstrap failed, so the descriptor is still ours.
            close(descriptor)
            await queue.finish()
            return
        }
        do {
            try await channel.executeThenClose { inbound, _ in
                for try await buffer in inbound {
                    await queue.put(OutputPiece(stream: stream, data: Data(buffer.readableBytesView)))
                }
            }
        } catch {
            // A read error ends this stream; what was read is kept.
        }
        await queue.finish()
    }
}
