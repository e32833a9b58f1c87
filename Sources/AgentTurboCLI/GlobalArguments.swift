import ArgumentParser

/// SPEC §4 calls `--database`, `--config`, `--log-format` and `--log-level` global, so
/// `agent-turbo --database URL list` works as well as `agent-turbo list --database URL`. The argument parser
/// reads a subcommand's options only after its name: the global ones given before it are moved after the
/// whole subcommand path (`hold clear`, not just `hold`).
enum GlobalArguments {
    static let names: Set<String> = ["--database", "--config", "--log-format", "--log-level"]

    /// `arguments` as the process got them (the executable first).
    static func movedAfterSubcommand(_ arguments: [String], root: any ParsableCommand.Type = AgentTurboCommand.self) -> [String] {
        guard let executable = arguments.first else { return arguments }
        var moved: [String] = []
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            guard let name = argument.split(separator: "=", maxSplits: 1).first, names.contains(String(name)) else { break }
            moved.append(argument)
            if !argument.contains("="), index + 1 < arguments.count {
                index += 1
                moved.append(arguments[index])
            }
            index += 1
        }
        // Without a subcommand after them (`--help`, nothing), the parser says what is wrong as it is.
        guard !moved.isEmpty, index < arguments.count, !arguments[index].hasPrefix("-") else { return arguments }
        var command: (any ParsableCommand.Type)? = root
        var end = index
        while end < arguments.count,
            let child = command?.configuration.subcommands.first(where: { $0._commandName == arguments[end] })
        {
            command = child
            end += 1
        }
        guard end > index else { return arguments }
        return [executable] + arguments[index..<end] + moved + arguments[end...]
    }
}
