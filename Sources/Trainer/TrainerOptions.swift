import BPE
import Corpus
import Normalizer
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// What to train and how. The defaults follow Hugging Face's `BpeTrainer` where it has one.
public struct TrainerOptions: Sendable {
    /// The final vocabulary size, special tokens included (as in Hugging Face): 256 byte tokens,
    /// `vocabSize - 256 - specialTokens.count` merged tokens, then the special tokens.
    public var vocabSize: Int
    public var pattern: SplitPattern = .gpt2
    /// Applied to each document before pre-tokenization, and recorded in the tokenizer.
    public var normalization: NormalizationForm = .none
    /// A pair seen fewer times than this is never merged (training stops there), as in HF.
    public var minFrequency: Int = 0
    /// Special tokens, in order; they take the ids right after the BPE tokens.
    public var specialTokens: [String] = []
    /// HF's `max_token_length`, with HF's (tokenizers 0.23) exact rule: a pair is only counted if
    /// the token it makes is shorter than this many bytes; pairs of two bytes always count.
    public var maxTokenLength: Int? = nil
    public var threads: Int = ThreadCount.default
    /// Bytes the pre-token table may use; when over, the rarest entries are pruned (see docs).
    public var memoryLimit: Int = TrainerOptions.defaultMemoryLimit
    /// The fraction of the input (the tail of each document piece, cut at a safe boundary) held back from
    /// training and used to measure bytes per token. 0 trains on everything.
    public var holdoutFraction: Double = 0.01
    /// At most this many held-back bytes are kept for the bytes-per-token measurement.
    public var holdoutSampleLimit: Int = 16 << 20
    /// Corpus's `InputFormat`; training reads `supportedInputFormats` only.
    public var inputFormat: InputFormat = .text
    /// The JSONL field holding the text.
    public var textField: String = "text"
    /// Input is cut into chunks of about this many bytes (at safe boundaries); chunks are the unit
    /// of parallel work and of pruning, so the output does not depend on the thread count.
    public var chunkSize: Int = 4 << 20
    /// A pre-token longer than this many bytes is counted as consecutive parts of at most this
    /// length (cut at UTF-8 character starts, `PreTokenizer.forEachPiece(in:maxBytes:_:)`), as
    /// the tokenizer encodes it: one unbroken run of text (100 MB of one letter) would otherwise
    /// be one table key and one merge-loop word of its whole length.
    public var maxPieceBytes: Int = PreTokenizer.defaultMaxPieceBytes
    /// The merge loop runs on more than one thread only with at least this many unique pre-tokens
    /// per thread: below, a thread's share of a merge step is too small to pay for keeping threads
    /// in step (10 MB, 100 K pre-tokens: 0.39–0.45 s on 2 threads against 0.27–0.29 on one; 103.6 MB,
    /// 996 K: 2.07–2.18 against 2.38–2.60). The merges never depend on it (tests set 0 to run the
    /// threaded loop on small inputs).
    public var mergeWordsPerThread: Int = 400_000

    /// The input formats training reads (plain text, one document per file; JSON Lines).
    public static let supportedInputFormats: [InputFormat] = [.text, .jsonl]

    public init(vocabSize: Int) { self.vocabSize = vocabSize }

    /// A quarter of physical memory.
    public static var defaultMemoryLimit: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 2 << 30 }
        return pages * size / 4
    }

    /// Parses "512M", "2G", "1.5G", "100000" (bytes).
    public static func parseByteSize(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        var scale = 1.0, number = Substring(t)
        if let last = t.last, let s = ["K": 1024.0, "M": 1048576.0, "G": 1073741824.0, "T": 1099511627776.0][String(last)] {
            scale = s; number = t.dropLast()
        }
        if number.hasSuffix("I") || number.hasSuffix("B") { return nil }
        guard let v = Double(number), v >= 0 else { return nil }
        return Int(v * scale)
    }
}

import Foundation
