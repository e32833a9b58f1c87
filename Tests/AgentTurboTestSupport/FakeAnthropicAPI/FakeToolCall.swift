import AgentTurboCore
import Foundation

/// The tool calls the fake model makes: harmless inputs the CLI can run in its working directory.
enum FakeToolCall {
    /// The input for `tool`: Bash prints "hi", Read reads and Write writes `<cwd>/hello.txt`.
    static func input(for tool: String, workingDirectory: String?) -> JSONValue {
        let file = JSONValue.string((workingDirectory ?? FileManager.default.currentDirectoryPath) + "/hello.txt")
        switch tool {
        case "Bash": return ["command": "echo hi", "description": "Print hi"]
        case "Read": return ["file_path": file]
        case "Write": return ["file_path": file, "content": "hello file\n"]
        default: return [:]
        }
    }

    /// The assistant turn that calls `tool`: a short text block, then the `tool_use` block.
    static func blocks(for tool: String, workingDirectory: String?) -> [FakeMessage.Block] {
        [
            .text("I'll use \(tool)."),
            .toolUse(
                id: "toolu_fake_" + FakeMessage.randomHex(12), name: tool,
                input: input(for: tool, workingDirectory: workingDirectory)),
        ]
    }
}
