import GPT
import Shards

extension GPTConfig {
    /// This shape with its vocabulary widened, if needed, to cover the shard set's tokenizer
    /// (rounded up to a multiple of 64, which keeps the logits' rows aligned for sgemm). Presets
    /// are sized for an 8k vocabulary; gpt2's 50,257 ids make tiny 50,304 wide. O(1).
    public func covering(_ tokenizer: Manifest.TokenizerInfo) -> GPTConfig {
        var c = self
        if c.vocabSize < tokenizer.vocabularySize { c.vocabSize = (tokenizer.vocabularySize + 63) / 64 * 64 }
        return c
    }
}
