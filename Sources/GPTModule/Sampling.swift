import Foundation
import TokenmillSupport

/// How `GPTSampler` picks the next token.
public struct SamplingOptions: Sendable, Equatable {
    /// 0: greedy (argmax). Otherwise logits are divided by it.
    public var temperature: Float = 1.0
    /// Keep only the k most likely tokens; 0: all.
    public var topK = 0
    /// Nucleus: keep the most likely tokens whose probabilities sum to ≥ p; 1: all.
    public var topP: Float = 1.0
    public var seed: UInt64 = 0
    public init(temperature: Float = 1.0, topK: Int = 0, topP: Float = 1.0, seed: UInt64 = 0) {
        self.temperature = temperature; self.topK = topK; self.topP = topP; self.seed = seed
    }
}

/// Autoregressive sampling from a `GPT` (batch 1, the context cropped to the model's last
/// `contextLength` tokens; no KV cache: each token runs the window through the model).
/// Deterministic for a seed and thread count.
public struct GPTSampler {
    public let model: GPT
    public var options: SamplingOptions
    /// Only ids below this are sampled: the real vocabulary (the tokenizer's), where the model's
    /// `vocabSize` is the padded one (see `GPTConfig`).
    public var allowedVocabulary: Int
    private var rng: SplitMix64

    public init(model: GPT, options: SamplingOptions, allowedVocabulary: Int? = nil) {
        self.model = model
        self.options = options
        self.allowedVocabulary = min(model.config.vocabSize, allowedVocabulary ?? model.config.vocabSize)
        rng = SplitMix64(seed: options.seed)
    }

    /// Samples up to `maxTokens` after `prompt`; `onToken` sees each id and may return false to stop.
    public mutating func generate(prompt: [Int32], maxTokens: Int, onToken: (Int32) throws -> Bool) throws -> [Int32] {
        guard !prompt.isEmpty else { throw GPTError.invalidBatch("the prompt must have at least one token") }
        var context = prompt
        var out: [Int32] = []
        let maxT = model.config.contextLength
        for _ in 0..<maxTokens {
            let window = Array(context.suffix(maxT))
            try model.forward(inputs: window, targets: nil, positions: nil, batchSize: 1, sequenceLength: window.count)
            let next = model.withLogits { logits -> Int32 in
                let V = model.config.vocabSize
                let row = UnsafeBufferPointer(rebasing: logits[((window.count - 1) * V)..<(window.count * V)])
                return sample(row)
            }
            out.append(next)
            context.append(next)
            if try !onToken(next) { break }
        }
        return out
    }

    /// Picks an id from one row of logits.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        let n = allowedVocabulary
        if options.temperature <= 0 {
            var best = 0
            for i in 1..<n where logits[i] > logits[best] { best = i }
            return Int32(best)
        }
        var ids = Array(0..<n)
        if options.topK > 0 && options.topK < n || options.topP < 1 {
            ids.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            if options.topK > 0 && options.topK < n { ids.removeSubrange(options.topK...) }
        }
        let t = Double(options.temperature)
        let m = ids.map { Double(logits[$0]) }.max() ?? 0
        var probs = ids.map { exp((Double(logits[$0]) - m) / t) }
        var total = probs.reduce(0, +)
        if options.topP < 1 {
            var cum = 0.0, keep = 0
            for p in probs { cum += p; keep += 1; if cum >= Double(options.topP) * total { break } }
            ids.removeSubrange(keep...); probs.removeSubrange(keep...)
            total = probs.reduce(0, +)
        }
        let u = Double(rng.next() >> 11) / Double(1 << 53) * total
        var cum = 0.0
        for (k, p) in probs.enumerated() {
            cum += p
            if u < cum { return Int32(ids[k]) }
        }
        return Int32(ids[ids.count - 1])
    }
}
