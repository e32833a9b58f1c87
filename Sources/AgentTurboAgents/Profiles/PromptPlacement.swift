import AgentTurboCore
import Foundation

/// What Linux's `execve` takes: each argument at most `MAX_ARG_STRLEN` (128 KiB, its NUL included), and all
/// arguments and environment strings, with their NULs and pointers, within `ARG_MAX`. Past either it fails
/// with E2BIG, so a prompt is measured before it is put on a command line.
public enum ArgumentLimits {
    /// The longest one argument may be, in bytes (`MAX_ARG_STRLEN` less the NUL).
    public static let longestArgument = 128 * 1024 - 1

    /// The budget of argv and envp together: `sysconf(_SC_ARG_MAX)` (a quarter of the stack limit), at most the
    /// kernel's own ceiling of 6 MiB (three quarters of `_STK_LIM`).
    public static var total: Int {
        let value = sysconf(Int32(_SC_ARG_MAX))
        return value > 0 ? min(value, 6 << 20) : 2 << 20
    }

    /// Room kept for what the supervisor adds before the agent's command line (its own path, the attempt's
    /// folder, its options).
    static let supervisorAllowance = 8192

    /// The bytes `execve` counts for these strings: each with its NUL, and a pointer for each.
    public static func size(arguments: [String], environment: [String: String]) -> Int {
        let strings = arguments.reduce(0) { $0 + $1.utf8.count + 1 }
            + environment.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 2 }
        return strings + (arguments.count + environment.count + 2) * MemoryLayout<UnsafeRawPointer>.size
    }
}

extension AgentProfile {
    /// Inserts option flags into an argument template: before its first `--` element (so that they are read
    /// as options and the prompt after `--` never is), or at the end when there is none.
    public static func insertingFlags(_ flags: [String], into template: [String]) -> [String] {
        guard !flags.isEmpty else { return template }
        var arguments = template
        arguments.insert(contentsOf: flags, at: template.firstIndex(of: "--") ?? template.endIndex)
        return arguments
    }

    /// The arguments for a prompt given on the command line, or for one given on standard input (`nil`). The
    /// task's option flags go where ``insertingFlags(_:into:)`` puts them; they are never searched for
    /// `{prompt}` (a system prompt may well contain those characters).
    func arguments(prompt: String?, options: AgentOptions) -> [String] {
        let flags = optionFlags(options)
        let separator = arguments.firstIndex(of: "--") ?? arguments.endIndex
        var argv: [String] = []
        var placed = false
        for (index, element) in arguments.enumerated() {
            if index == separator {
                argv += flags
            }
            guard element.contains(Self.placeholder) else {
                argv.append(element)
                continue
            }
            placed = true
            if let prompt {
                argv.append(element.replacingOccurrences(of: Self.placeholder, with: prompt))
            } else if let standIn = stdinPromptArgument, !standIn.isEmpty {
                argv.append(element.replacingOccurrences(of: Self.placeholder, with: standIn))
            } else if argv.last == "--" {
                // Nothing follows the `--` any more.
                argv.removeLast()
            }
        }
        if separator == arguments.endIndex {
            argv += flags
        }
        if !placed, let prompt {
            argv.append(prompt)
        }
        return argv
    }

    /// Whether the prompt goes on standard input whatever its size: the profile says so, or the prompt is the
    /// very argument that would tell the program to read stdin (a prompt of `-` for `codex exec`).
    func alwaysOnStdin(_ prompt: String) -> Bool {
        promptDelivery == .stdin || (stdinPromptArgument.map { !$0.isEmpty && $0 == prompt } ?? false)
    }

    /// The longest prompt, in UTF-8 bytes, that fits the template's arguments (`MAX_ARG_STRLEN`); `nil` when the
    /// program reads long prompts from standard input, so that any prompt the queue takes fits.
    public var longestPrompt: Int? {
        guard !readsStdin else { return nil }
        var longest = ArgumentLimits.longestArgument
        for element in arguments where element.contains(Self.placeholder) {
            let occurrences = element.components(separatedBy: Self.placeholder).count - 1
            let fixed = element.utf8.count - occurrences * Self.placeholder.utf8.count
            longest = min(longest, max(0, ArgumentLimits.longestArgument - fixed) / occurrences)
        }
        return longest
    }

    static let placeholder = "{prompt}"
}
