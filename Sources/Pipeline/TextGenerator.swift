import BPE
import Foundation
import GPTModule
import Shards
import TokenmillSupport

/// A model and the tokenizer it was trained with, turning a prompt into sampled text. Shared by
/// `generate` (streams to stdout) and `quickstart` (samples before and after training).
public struct TextGenerator {
    public let model: GPT
    public let tokenizer: Tokenizer

    public init(model: GPT, tokenizer: Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Loads a checkpoint (or a run folder's latest) and the `tokenizer.json` saved beside it,
    /// refusing a tokenizer whose fingerprint differs from the one the model was trained with.
    public static func load(checkpoint: String) throws -> TextGenerator {
        let dir = try GPTCheckpoint.resolve(checkpoint)
        let model = try GPTCheckpoint.loadModel(from: dir)
        let tokPath = dir + "/tokenizer.json"
        guard FileManager.default.fileExists(atPath: tokPath) else {
            throw PipelineError.missingTokenizer(checkpoint: dir)
        }
        let tokenizer = try Tokenizer.load(tokPath)
        // A weights-only export has no trainer.json; a present one must parse (loadInfo names it).
        if FileManager.default.fileExists(atPath: dir + "/trainer.json") {
            let info = try GPTCheckpoint.loadInfo(from: dir)
            let found = try Hex.encode(ShardFingerprint.of(tokenizer))
            guard found == info.tokenizerFingerprint else {
                throw PipelineError.tokenizerMismatch(path: tokPath, found: found, expected: info.tokenizerFingerprint)
            }
        }
        guard tokenizer.vocabularySize <= model.config.vocabSize else {
            throw PipelineError.vocabularyTooSmall(tokenizer: tokenizer.vocabularySize, model: model.config.vocabSize)
        }
        return TextGenerator(model: model, tokenizer: tokenizer)
    }

    /// Samples up to `maxTokens` after `prompt` (an empty prompt starts from `<|endoftext|>`),
    /// stopping at `<|endoftext|>` unless `stopAtEndOfText` is false. `emit` sees each complete
    /// UTF-8 piece as it is decoded; the whole continuation (prompt excluded) is returned.
    /// O(maxTokens) forward passes over a window of at most n_positions tokens (no KV cache).
    @discardableResult
    public func generate(prompt: String, maxTokens: Int, options: SamplingOptions, stopAtEndOfText: Bool = true,
                  emit: (String) -> Void = { _ in }) throws -> String {
        let eot = tokenizer.specialTokenID("<|endoftext|>")
        var ids = try tokenizer.encode(prompt, specials: .allow).map { Int32($0) }
        if ids.isEmpty {
            guard let eot else { throw PipelineError.emptyPromptWithoutEndOfText }
            ids = [Int32(eot)]
        }
        var sampler = GPTSampler(model: model, options: options, allowedVocabulary: tokenizer.vocabularySize)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var text = ""
        _ = try sampler.generate(prompt: ids, maxTokens: maxTokens) { id in
            if let eot, id == Int32(eot), stopAtEndOfText { return false }
            let piece = try decoder.push(TokenID(id))
            if !piece.isEmpty { emit(piece); text += piece }
            return true
        }
        let rest = decoder.finish()
        if !rest.isEmpty { emit(rest); text += rest }
        return text
    }
}
