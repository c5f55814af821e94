/// What to do with the text of a special token (such as `<|endoftext|>`) found in raw input.
///
/// Scraped corpora contain these strings (in web pages about tokenizers, say); treating them as
/// the control token would let any document inject one, so corpus tools want `.ordinary`. Chat
/// and prompt formats want `.allow`. tiktoken's `encode` rejects by default, so that a caller who
/// did not think about it hears of it: that is the library default here too.
public enum SpecialTokenPolicy: String, Sendable, Hashable, CaseIterable {
    /// Encode the text as ordinary text (tiktoken's `encode_ordinary`).
    case ordinary
    /// Encode it as the special token (tiktoken's `allowed_special="all"`, Hugging Face's default).
    case allow
    /// Throw `TokenizerError.disallowedSpecialToken` (tiktoken's default).
    case reject
}
