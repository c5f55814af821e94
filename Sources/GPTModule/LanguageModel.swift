/// One named tensor inside a model's parameter arena.
public struct ParameterTensor: Sendable, Hashable {
    /// nanoGPT / Hugging Face GPT-2 style name, e.g. `transformer.h.0.attn.c_attn.weight`.
    public var name: String
    /// Shape as stored (row-major). Linear weights are `[out, in]` as PyTorch's `nn.Linear`
    /// (Hugging Face's GPT-2 `Conv1D` stores the transpose).
    public var shape: [Int]
    /// Offset in floats from the start of the arena.
    public var offset: Int
    public var count: Int { shape.reduce(1, *) }
    /// Whether AdamW applies weight decay (2-D weights only).
    public var decays: Bool { shape.count >= 2 }

    public init(name: String, shape: [Int], offset: Int) {
        self.name = name
        self.shape = shape
        self.offset = offset
    }
}

/// The plugin boundary between the training loop and a model.
///
/// A batch is `batchSize × sequenceLength` token ids, row-major (`[B*T]`). `targets` are the
/// next tokens (a target < 0 is ignored by the loss); `positions`, when given, are the position
/// ids per token (so the loader can restart positions at document starts), otherwise `0..<T`.
public protocol LanguageModel: AnyObject {
    associatedtype Configuration: Codable & Sendable

    var configuration: Configuration { get }

    /// Named views into the parameter arena, in arena order.
    var parameterTensors: [ParameterTensor] { get }
    /// Total number of parameters (= length of the parameter and gradient arenas).
    var parameterCount: Int { get }

    /// Runs the model. Returns the mean cross-entropy over targets ≥ 0 when `targets` is given.
    @discardableResult
    func forward(inputs: [Int32], targets: [Int32]?, positions: [Int32]?,
                 batchSize: Int, sequenceLength: Int) throws -> Float?

    /// Sets every gradient to zero (gradients accumulate across backward calls).
    func zeroGradients()

    /// Adds the gradient of the last forward's mean loss, times `lossScale` (e.g. 1/accumulation
    /// steps), to the gradient arena.
    func backward(lossScale: Float) throws

    /// The parameter arena (read-write), in `parameterTensors` order.
    func withParameters<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R
    /// The gradient arena (read-write), same layout as the parameters.
    func withGradients<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R

    /// Serialized model state (configuration and parameters), for checkpoints.
    func saveState() throws -> [UInt8]
    /// Restores what `saveState()` produced; the configuration must match.
    func loadState(_ bytes: [UInt8]) throws
}

extension LanguageModel {
    public func backward() throws { try backward(lossScale: 1) }

    @discardableResult
    public func forward(inputs: [Int32], targets: [Int32]?, batchSize: Int, sequenceLength: Int) throws -> Float? {
        try forward(inputs: inputs, targets: targets, positions: nil, batchSize: batchSize, sequenceLength: sequenceLength)
    }
}
