/// A failure of a pipeline job that is not another module's error: a checkpoint without its
/// tokenizer, a tokenizer that does not match the model, a run folder that holds other outputs.
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
        }
    }
}
