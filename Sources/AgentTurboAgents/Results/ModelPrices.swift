/// List prices per million tokens, used only to estimate the cost of a Claude Code run while it is still
/// running (the CLI reports the real figure at the end). Measured against Claude Code 2.1.x, which charges
/// unknown models at the Opus price.
public struct ModelPrices: Sendable, Hashable {
    public var input: Double
    public var output: Double
    public var cacheRead: Double
    public var cacheWrite: Double

    init(input: Double, output: Double) {
        self.input = input
        self.output = output
        cacheRead = input / 10
        cacheWrite = input * 1.25
    }

    public static func forModel(_ model: String?) -> ModelPrices {
        let name = (model ?? "").lowercased()
        if name.contains("sonnet-4") { return ModelPrices(input: 3, output: 15) }
        if name.contains("sonnet") { return ModelPrices(input: 2, output: 10) }
        if name.contains("haiku-4") { return ModelPrices(input: 1, output: 5) }
        if name.contains("haiku") { return ModelPrices(input: 0.5, output: 2.5) }
        return ModelPrices(input: 4, output: 20)
    }

    /// Dollars for the given token counts.
    public func cost(input: Int, output: Int, cacheRead: Int, cacheWrite: Int) -> Double {
        (Double(input) * self.input + Double(output) * self.output + Double(cacheRead) * self.cacheRead
            + Double(cacheWrite) * self.cacheWrite) / 1_000_000
    }
}
