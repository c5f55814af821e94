import GPTModule

/// A failure of a pipeline job that is not another module's error: a checkpoint without its
/// tokenizer, a tokenizer that does not match the model or the data, a run folder that holds
/// other outputs. Locations (folders, fingerprints) are fields, not parts of a string.
/// The descriptions are the messages the CLI prints.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
    /// A checkpoint directory without the tokenizer.json generation needs.
    case missingTokenizer(checkpoint: String)
    /// The tokenizer beside a checkpoint is not the one the model was trained with.
    case tokenizerMismatch(path: String, found: String, expected: String)
    /// The tokenizer has more ids than the model's vocabulary.
    case vocabularyTooSmall(tokenizer: Int, model: Int)
    /// An empty prompt, and no <|endoftext|> token to start from.
    case emptyPromptWithoutEndOfText
    /// `quickstart --out` holds earlier outputs and `--overwrite` was not given.
    case outputExists(directory: String, present: [String])
    /// `pretrain` was given no shard directory.
    case noTrainingData
    /// Two shard directories of one mixture were made with different tokenizers.
    case mixtureTokenizerMismatch(directory: String, fingerprint: String, first: String, firstFingerprint: String)
    /// The data was sharded with another tokenizer than the checkpoint was trained with.
    case checkpointTokenizerMismatch(dataDirectory: String, dataFingerprint: String, checkpointFingerprint: String)
    /// `pretrain --out` already holds a run (metrics.jsonl or checkpoints) and the run was asked
    /// to start fresh (`initFrom`: with `--init-from`, which always starts a new run).
    case runExists(directory: String, initFrom: Bool)
    /// `EncodeJob` was given an input format other than text or JSONL.
    case unsupportedEncodeInput(format: String)
    /// A token id does not fit the 16-bit output asked for.
    case idTooLargeForU16(id: UInt32)
    /// `PretrainOptions` that cannot train the model (steps, batch, context, rates): the reason.
    case invalidPretrainOptions(String)
    /// A fresh pretraining run was given no model configuration.
    case noModelConfiguration
    /// `--init-from` names a checkpoint whose model differs from the configuration asked for.
    case initFromConfigDiffers(checkpoint: String, found: GPTConfig, requested: GPTConfig)
    /// The global batch does not divide among the ranks.
    case batchNotDivisibleByRanks(batch: Int, ranks: Int)
    /// The model's vocabulary is smaller than the shard set's tokenizer: ids past it would index
    /// outside the embedding table.
    case modelVocabularyTooSmall(model: Int, tokenizer: String, ids: Int)

    public var description: String {
        switch self {
        case .missingTokenizer(let dir):
            return "\(dir) has no tokenizer.json: generation needs the tokenizer the model was trained with"
        case .tokenizerMismatch(let path, let found, let expected):
            return "\(path) has fingerprint \(found.prefix(16))…, but the model was trained with \(expected.prefix(16))…: the token ids would mean different text"
        case .vocabularyTooSmall(let tokenizer, let model):
            return "the tokenizer has \(tokenizer) ids, the model only \(model)"
        case .emptyPromptWithoutEndOfText:
            return "an empty --prompt needs an <|endoftext|> token to start from"
        case .outputExists(let out, let present):
            return "\(out) already holds a quickstart's outputs (\(present.joined(separator: ", "))): pass --overwrite to replace them, or choose another --out"
        case .noTrainingData:
            return "no training data: give at least one shard directory"
        case .mixtureTokenizerMismatch(let directory, let fingerprint, let first, let firstFingerprint):
            return "tokenizer mismatch: \(directory) was sharded with tokenizer fingerprint \(fingerprint.prefix(16))…, but \(first) with \(firstFingerprint.prefix(16))…; a mixture needs one tokenizer: re-shard with the same --tokenizer"
        case .checkpointTokenizerMismatch(let dataDirectory, let data, let checkpoint):
            return "tokenizer mismatch: the checkpoint was trained with tokenizer fingerprint \(checkpoint.prefix(16))…, but \(dataDirectory) was sharded with \(data.prefix(16))…; the token ids mean different text. Re-shard the data with the checkpoint's tokenizer.json (`tokenmill shard --tokenizer CHECKPOINT/tokenizer.json …`)"
        case .runExists(let out, let initFrom):
            return initFrom
                ? "\(out) already holds a run: --init-from starts a new run; choose another --out"
                : "\(out) already holds a run (metrics.jsonl or checkpoints): pass --resume to continue it, or choose another --out"
        case .unsupportedEncodeInput(let format):
            return "encode reads text or jsonl input, found \(format): expected text (a file is a document) or jsonl (a line is a document)"
        case .idTooLargeForU16(let id):
            return "token id \(id) does not fit in 16 bits: use --output u32"
        case .invalidPretrainOptions(let reason):
            return "invalid pretraining options: \(reason)"
        case .noModelConfiguration:
            return "a new run needs a model configuration"
        case .initFromConfigDiffers(let dir, let found, let requested):
            return "--init-from \(dir) has the model \(found), which differs from the requested \(requested); drop --config/--preset"
        case .batchNotDivisibleByRanks(let batch, let ranks):
            return "--batch \(batch) is the global batch and must divide evenly among the \(ranks) ranks: use a multiple of \(ranks)"
        case .modelVocabularyTooSmall(let model, let tokenizer, let ids):
            return "the model's vocabulary (\(model)) is smaller than the shard set's tokenizer \(tokenizer) (\(ids) ids): set vocabSize ≥ \(ids) in the config (presets are widened automatically)"
        }
    }
}
