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

    /// A quickstart stage ran before the stages whose shards and tokenizer it needs.
    case quickstartStageOutOfOrder(stage: String)
    /// A model preset name that `GPTConfig.preset` does not know.
    case unknownPreset(String)

    // Checkpoints and run folders (`GPTCheckpoint`, `PretrainRun`). `path` is the file or folder
    // at fault, as the messages name it.

    /// `path` is neither a checkpoint directory (with `GPTCheckpoint.modelFile`) nor a run folder
    /// whose `latest` names one.
    case notACheckpoint(path: String)
    /// A checkpoint file is missing or cannot be read.
    case checkpointFileUnreadable(path: String)
    /// A checkpoint without `trainer.json`: weights only, not a training checkpoint.
    case notATrainingCheckpoint(directory: String)
    /// A checkpoint without `loader.json` (a weights-only export) was asked to resume.
    case checkpointNotResumable(directory: String)
    /// `config.json` describes more parameters than the weights file can hold.
    case checkpointConfigExceedsWeights(directory: String, config: GPTConfig, parameters: Int, weightsBytes: Int)
    /// A checkpoint file the model module refused (safetensors layout, config.json fields):
    /// the file and the model module's error.
    case invalidCheckpointFile(path: String, error: GPTError)
    /// A checkpoint JSON file that does not decode: the file and the decoder's account.
    case invalidCheckpointJSON(path: String, reason: String)
    /// `config.json` and `trainer.json` of one checkpoint describe different models.
    case checkpointConfigsDisagree(directory: String, configJSON: GPTConfig, trainerJSON: GPTConfig)
    /// `optimizer.safetensors` lacks the moments `m`, `v` or the step.
    case optimizerStateIncomplete(path: String)
    /// `optimizer.safetensors` holds moments for another number of parameters.
    case optimizerStateSizeMismatch(path: String, moments: Int, parameters: Int)
    /// A checkpoint's `SHA256SUMS` is empty.
    case checksumListEmpty(path: String)
    /// A line of `SHA256SUMS` (1-based `line`) is not `HEX  FILE`; `found` is its first 80 characters.
    case checksumLineMalformed(path: String, line: Int, found: String)
    /// A file `SHA256SUMS` lists is missing.
    case checksummedFileMissing(path: String)
    /// A file's SHA-256 differs from the one `SHA256SUMS` lists (both hex).
    case checksumMismatch(path: String, found: String, expected: String)
    /// A tensor of a checkpoint holds a NaN or an infinity at `element`.
    case nonFiniteCheckpointValue(path: String, tensor: String, element: Int, value: NonFinite)
    /// The run's latest checkpoint failed its checks (`damage`, the error's message); `intact` is
    /// the newest checkpoint of the run that passes them (nil: none; otherwise the message offers
    /// `--use-intact-checkpoint`).
    case latestCheckpointDamaged(run: String, damage: String, intact: String?)
    /// The training loss became NaN or infinite at `step`.
    case trainingDiverged(step: Int, loss: NonFinite)
    /// The training loader returned no batch (it cycles epochs endlessly, so this is a bug).
    case trainingStreamEnded(directory: String)

    /// A value that is not finite, as the messages print it. A case rather than the `Float`
    /// itself, so that two equal errors compare equal (NaN is not equal to itself).
    public enum NonFinite: String, Sendable, Equatable {
        case nan, infinity = "inf", negativeInfinity = "-inf"
        /// nil for a finite value.
        public init?(_ value: Float) {
            if value.isNaN { self = .nan } else if value.isInfinite { self = value < 0 ? .negativeInfinity : .infinity } else { return nil }
        }
    }

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
        case .quickstartStageOutOfOrder(let stage):
            return "the quickstart's \(stage) stage needs the shards and tokenizer of the stages before it: run the stages in order (QuickstartPipeline.run)"
        case .unknownPreset(let name):
            return "unknown preset \(name): expected tiny, A or B"
        case .notACheckpoint(let path):
            return "\(path) is neither a checkpoint directory (with \(GPTCheckpoint.modelFile)) nor a run directory with a `latest` checkpoint; pass the directory `tokenmill pretrain --out` wrote, or one of its step-NNNNNN folders"
        case .checkpointFileUnreadable(let path):
            return "\(path) is missing or unreadable"
        case .notATrainingCheckpoint(let directory):
            return "\(directory)/trainer.json is missing: not a Tokenmill training checkpoint"
        case .checkpointNotResumable(let directory):
            return "\(directory)/loader.json is missing: this checkpoint cannot be resumed (use --init-from for its weights)"
        case .checkpointConfigExceedsWeights(let directory, let config, let parameters, let weightsBytes):
            return "\(directory)/config.json describes \(parameters) parameters (\(config)), but \(directory)/\(GPTCheckpoint.modelFile) has \(weightsBytes) bytes, room for at most \(weightsBytes / 4) float32 values: config.json and the weights do not belong together"
        case .invalidCheckpointFile(let path, let error):
            return "\(path): \(error)"
        case .invalidCheckpointJSON(let path, let reason):
            return "\(path): not valid JSON for this file (\(reason)); the checkpoint is damaged or was edited"
        case .checkpointConfigsDisagree(let directory, let configJSON, let trainerJSON):
            return "\(directory): config.json describes \(configJSON), trainer.json \(trainerJSON): the two files do not belong together; the checkpoint was edited or mixed with another"
        case .optimizerStateIncomplete(let path):
            return "\(path) lacks m, v or the step: the optimizer state is damaged; use an earlier checkpoint (or --init-from for the weights alone)"
        case .optimizerStateSizeMismatch(let path, let moments, let parameters):
            return "\(path) has \(moments) moments, the model \(parameters) parameters: the optimizer state belongs to another model"
        case .checksumListEmpty(let path):
            return "\(path) is empty: the checkpoint is damaged"
        case .checksumLineMalformed(let path, let line, let found):
            return "\(path), line \(line): expected \"SHA-256  FILE\", found \"\(found)\": the checkpoint is damaged"
        case .checksummedFileMissing(let path):
            return "\(path) is missing (listed in \(GPTCheckpoint.checksumFile)): the checkpoint is damaged"
        case .checksumMismatch(let path, let found, let expected):
            return "\(path): SHA-256 \(found.prefix(16))… differs from \(expected.prefix(16))… in \(GPTCheckpoint.checksumFile): the file was changed or damaged after the checkpoint was written; the checkpoint cannot be trusted"
        case .nonFiniteCheckpointValue(let path, let tensor, let element, let value):
            return "\(path): tensor \(tensor) holds \(value.rawValue) at element \(element): a checkpoint with non-finite values cannot be used (the run diverged, or the file was damaged); use an earlier checkpoint"
        case .latestCheckpointDamaged(let run, let damage, let intact):
            guard let intact else {
                return "the latest checkpoint is damaged: \(damage); no other intact checkpoint is left in \(run): start a new run (or --init-from a checkpoint you trust)"
            }
            return "the latest checkpoint is damaged: \(damage). The newest intact checkpoint is \(intact): pass --use-intact-checkpoint with --resume to continue from it"
        case .trainingDiverged(let step, let loss):
            return "the loss became \(loss.rawValue) at step \(step): training diverged; lower --lr or raise --warmup, and restart from the last checkpoint"
        case .trainingStreamEnded(let directory):
            return "\(directory): the training loader returned no batch; it was expected to cycle its epochs endlessly (a bug: please report it with this run's manifest)"
        }
    }
}
