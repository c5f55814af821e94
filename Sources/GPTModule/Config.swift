/// Shape of a GPT-2-style decoder. Names follow llm.c: V (vocabSize), maxT (contextLength),
/// L (layers), NH (heads), C (channels).
///
/// Vocabulary: `vocabSize` is the padded vocabulary, the rows of the embedding and of the logits
/// (llm.c's padded_vocab_size, Vp). The real vocabulary is the tokenizer's (llm.c's vocab_size,
/// V); `covering(vocabulary:)` pads a shape to hold it, and `GPTSampler.allowedVocabulary` keeps
/// sampling below it. The padded rows are trained like the others and only ever see targets
/// below the real size.
public struct GPTConfig: Codable, Hashable, Sendable {
    /// The padded vocabulary (rows of the embedding and of the logits).
    public var vocabSize: Int
    public var contextLength: Int
    public var layers: Int
    public var heads: Int
    public var channels: Int

    public init(vocabSize: Int, contextLength: Int, layers: Int, heads: Int, channels: Int) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.layers = layers
        self.heads = heads
        self.channels = channels
    }

    /// A very small model for tests and smoke runs.
    public static let tiny = GPTConfig(vocabSize: 512, contextLength: 64, layers: 2, heads: 2, channels: 64)
    /// Issue 7 benchmark configuration A.
    public static let configA = GPTConfig(vocabSize: 8192, contextLength: 256, layers: 4, heads: 4, channels: 256)
    /// Issue 7 benchmark configuration B.
    public static let configB = GPTConfig(vocabSize: 8192, contextLength: 256, layers: 6, heads: 6, channels: 384)

    public static func preset(_ name: String) -> GPTConfig? {
        switch name.lowercased() {
        case "tiny": return .tiny
        case "a", "small": return .configA
        case "b": return .configB
        default: return nil
        }
    }

    /// The padded vocabulary is a multiple of this when `covering(vocabulary:)` widens it: it keeps
    /// the logits' rows aligned for sgemm (llm.c pads to 128 for its GPU kernels: 50,257 → 50,304).
    public static let vocabularyPadding = 64

    /// This shape with its padded vocabulary widened, if needed, to hold a tokenizer of
    /// `vocabulary` ids (rounded up to a multiple of `vocabularyPadding`). Presets are sized for an
    /// 8k vocabulary; gpt2's 50,257 ids make tiny 50,304 wide. O(1).
    public func covering(vocabulary: Int) -> GPTConfig {
        var c = self
        if c.vocabSize < vocabulary { c.vocabSize = (vocabulary + Self.vocabularyPadding - 1) / Self.vocabularyPadding * Self.vocabularyPadding }
        return c
    }

    /// Throws a description of the first inconsistency.
    public func validate() throws {
        guard vocabSize > 0, contextLength > 0, layers > 0, heads > 0, channels > 0 else {
            throw GPTError.invalidConfig("all sizes must be positive")
        }
        guard channels % heads == 0 else {
            throw GPTError.invalidConfig("channels (\(channels)) must be divisible by heads (\(heads))")
        }
        // Counted in Double first: the parameter layout multiplies the sizes in Int, which
        // trapped on a config.json with n_embd 2^40 or n_layer 2^62 (docs/fuzzing.md).
        let (V, T, L, C) = (Double(vocabSize), Double(contextLength), Double(layers), Double(channels))
        let parameters = V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C
        guard parameters <= Self.maximumParameters else {
            throw GPTError.invalidConfig("vocabulary \(vocabSize), context \(contextLength), \(layers) layers and \(channels) channels make \(parameters) parameters, more than the \(Int(Self.maximumParameters)) (2^40) this implementation addresses")
        }
    }

    /// The largest model `validate` accepts: 2^40 parameters (4 TiB of float32 weights), far past
    /// any model this CPU trainer can hold, and small enough that no size product overflows.
    public static let maximumParameters = Double(1 << 40)

    /// Number of parameters (the embedding is tied, counted once).
    /// Counted by formula, not by building the layout (GPTParameterLayout lists 12 tensors per
    /// layer): checking a config.json that claims 10^10 layers must not allocate for them.
    public var parameterCount: Int {
        let (V, T, L, C) = (vocabSize, contextLength, layers, channels)
        return V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C
    }

    /// Training FLOPs per token, the formula of ../shared/bench/peers.py (and nanoGPT's MFU):
    /// 6 × (parameters without position embeddings) + 12 · L · C · T (attention), with T the
    /// sequence length trained at.
    public func trainingFLOPsPerToken(sequenceLength T: Int) -> Double {
        let n = Double(parameterCount - contextLength * channels)
        return 6 * n + 12 * Double(layers * channels * T)
    }
}

/// The files the model reads, for `GPTError.malformedFile`.
public enum GPTFile: String, Sendable, Equatable {
    /// A `.safetensors` file (`Safetensors.read`, `HFGPT2.load`).
    case safetensors
    /// A Hugging Face GPT-2 `config.json`.
    case huggingFaceConfig = "config.json"
    /// The bytes of `GPT.stateBytes()` / `GPT.loadState`.
    case modelState = "model state"
}

public enum GPTError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case invalidBatch(String)
    /// A model file that cannot be read: which kind of file, the tensor or `config.json` key it
    /// is about (nil when the file as a whole is wrong), and what was expected and found. The
    /// file's path is the caller's (Pipeline's `invalidCheckpointFile` carries it): the model
    /// reads bytes.
    case malformedFile(GPTFile, item: String?, message: String)
    case noForward

    public var description: String {
        switch self {
        case .invalidConfig(let s): return "invalid GPT config: \(s)"
        case .invalidBatch(let s): return "invalid batch: \(s)"
        case .malformedFile(_, _, let message): return "invalid model state: \(message)"
        case .noForward: return "backward() needs a forward(...) with targets first"
        }
    }
}
