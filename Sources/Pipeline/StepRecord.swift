/// One line of the run's `metrics.jsonl`.
public struct StepRecord: Sendable, Equatable {
    public var step: Int
    public var loss: Float
    public var learningRate: Float
    public var gradNorm: Float
    public var tokensPerSecond: Double
    public var mfu: Double
    public var milliseconds: Double
    /// Data parallel: the part of the step spent waiting for gradient and loss reductions after
    /// backward returned (the communication that backward did not hide); 0 for one process.
    public var communicationMilliseconds: Double = 0
}
