/// A user mistake in a task or a command's input: one sentence saying what is wrong and what to do.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
