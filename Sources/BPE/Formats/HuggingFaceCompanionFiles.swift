import Foundation

/// `tokenizer_config.json` and `special_tokens_map.json`: the two files that
/// `transformers.AutoTokenizer.from_pretrained(DIR)` reads beside a `tokenizer.json`. Tokenmill
/// writes them next to every tokenizer.json it puts in a folder (`convert --hf-dir`, GPT
/// checkpoints), so that a folder loads in transformers with the ids Tokenmill gives.
///
/// The tokenizer class is `PreTrainedTokenizerFast` (the tokenizer.json alone defines the
/// tokenizer; a model-specific class such as `GPT2TokenizerFast` would apply its own defaults).
/// The end-of-text token `<|endoftext|>` is both `bos_token` and `eos_token`, as GPT-2 has it;
/// a tokenizer without it gets explicit nulls (transformers then has no bos/eos, instead of
/// a default that would name another token). Byte-level BPE has no unknown token.
public enum HuggingFaceCompanionFiles {
    /// The text of the token Tokenmill treats as end of text (shards, checkpoints, generation).
    public static let endOfText = "<|endoftext|>"

    public static let configFile = "tokenizer_config.json"
    public static let specialTokensFile = "special_tokens_map.json"

    /// The two files: `endOfText` is the end-of-text token's text, nil when the tokenizer has none;
    /// `modelMaxLength` the model's context length, nil when no model comes with the tokenizer.
    public static func files(endOfText: String?, modelMaxLength: Int?) -> [(name: String, contents: Data)] {
        let token: JSONValue = endOfText.map { .string($0) } ?? .null
        var config: [(String, JSONValue)] = [
            ("tokenizer_class", .string("PreTrainedTokenizerFast")),
            ("bos_token", token),
            ("eos_token", token),
            ("unk_token", .null),
            ("pad_token", .null),
            ("clean_up_tokenization_spaces", .bool(false)),
        ]
        if let modelMaxLength { config.append(("model_max_length", .int(modelMaxLength))) }
        let map: [(String, JSONValue)] = endOfText == nil ? [] : [("bos_token", token), ("eos_token", token)]
        return [(configFile, Data(JSONValue.object(config).serialized())),
                (specialTokensFile, Data(JSONValue.object(map).serialized()))]
    }
}

extension Tokenizer {
    /// `tokenizer_config.json` and `special_tokens_map.json` for this tokenizer's `tokenizer.json`.
    public func huggingFaceCompanionFiles(modelMaxLength: Int? = nil) -> [(name: String, contents: Data)] {
        HuggingFaceCompanionFiles.files(endOfText: specialTokens[HuggingFaceCompanionFiles.endOfText] == nil ? nil : HuggingFaceCompanionFiles.endOfText,
                                        modelMaxLength: modelMaxLength)
    }
}
