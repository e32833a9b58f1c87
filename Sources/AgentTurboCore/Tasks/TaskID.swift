import Foundation

/// Task ids: given by the user (the seed used names such as `mvp_final_1`) or generated, sortable by time.
public enum TaskID {
    static let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-")

    /// Ids appear in URLs, file names and shell commands, so they are kept to a safe alphabet.
    public static func validate(_ id: String) throws(InputError) {
        guard !id.isEmpty, id.count <= 128 else {
            throw InputError("task_id must be 1 to 128 characters long")
        }
        guard id.allSatisfy({ allowed.contains($0) }) else {
            throw InputError(
                "task_id '\(id)' has characters outside letters, digits, '.', '_', ':' and '-'"
            )
        }
    }

    private static let crockford = Array("0123456789abcdefghjkmnpqrstvwxyz")

    /// A new id: `t` followed by 10 characters of milliseconds since 1970 and 10 random ones (a ULID in
    /// lower case), so ids sort by creation time and never collide in practice.
    public static func generate(at date: Date = Date()) -> String {
        var millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var timePart = [Character](repeating: "0", count: 10)
        for index in stride(from: 9, through: 0, by: -1) {
            timePart[index] = crockford[Int(millis & 31)]
            millis >>= 5
        }
        var random = SystemRandomNumberGenerator()
        let randomPart = (0..<10).map { _ in crockford[Int(random.next() & 31)] }
        return "t" + String(timePart) + String(randomPart)
    }
}
