import GPTModule

/// What a training checkpoint holds beside the weights (`trainer.json`).
public struct CheckpointInfo: Codable, Sendable, Equatable {
    public var format = "tokenmill-gpt-checkpoint"
    public var version = 1
    /// Optimizer updates done.
    public var step: Int
    public var config: GPTConfig
    public var options: PretrainOptions
    /// Hex SHA-256 of the tokenizer (as in the shard manifest).
    public var tokenizerFingerprint: String
    public var endOfText: Int?
    /// Training tokens consumed so far.
    public var tokensSeen: Int
    public var threads: Int

    public init(step: Int, config: GPTConfig, options: PretrainOptions, tokenizerFingerprint: String, endOfText: Int?, tokensSeen: Int, threads: Int) {
        self.step = step; self.config = config; self.options = options
        self.tokenizerFingerprint = tokenizerFingerprint; self.endOfText = endOfText
        self.tokensSeen = tokensSeen; self.threads = threads
    }
}
