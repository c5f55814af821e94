import Foundation

/// The regular expression that cuts text into pieces before BPE (the "pre-tokenizer").
///
/// The three patterns in use by GPT-2 (r50k/p50k), cl100k and o200k have hand-written scanners
/// with exactly the regex semantics (see `PreTokenizer+Scanners.swift`); any other pattern runs
/// through ICU's regex engine, which is slower but supports the same syntax (`\p{…}`, possessive
/// quantifiers, look-ahead, inline flags).
public enum SplitPattern: Sendable, Hashable {
    case gpt2
    case cl100k
    case o200k
    case regex(String)

    /// The regex text, exactly as tiktoken 0.14 writes it.
    public var source: String {
        switch self {
        case .gpt2: return #"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"#
        case .cl100k:
            return #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"#
        case .o200k:
            return [
                #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"#,
                #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"#,
                #"\p{N}{1,3}"#,
                #" ?[^\s\p{L}\p{N}]+[\r\n/]*"#,
                #"\s*[\r\n]+"#,
                #"\s+(?!\S)"#,
                #"\s+"#,
            ].joined(separator: "|")
        case .regex(let source): return source
        }
    }

    /// The CLI and file-format names: `gpt2` (also `r50k`, `p50k`), `cl100k`, `o200k`.
    public init?(name: String) {
        switch name.lowercased() {
        case "gpt2", "r50k", "r50k_base", "p50k", "p50k_base": self = .gpt2
        case "cl100k", "cl100k_base": self = .cl100k
        case "o200k", "o200k_base": self = .o200k
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .gpt2: return "gpt2"
        case .cl100k: return "cl100k"
        case .o200k: return "o200k"
        case .regex: return "regex"
        }
    }

    /// A pattern read from a file: the named patterns are recognised by their text (tiktoken's and
    /// Hugging Face's spellings of the GPT-2 pattern included) so that they get the fast scanner.
    public static func fromSource(_ source: String) -> SplitPattern {
        for known in [SplitPattern.gpt2, .cl100k, .o200k] where known.source == source { return known }
        if source == huggingFaceGPT2 || source == tiktokenLegacyGPT2 { return .gpt2 }
        if source == tiktokenLegacyCL100K || source == SplitPattern.cl100k.huggingFaceSource { return .cl100k }
        return .regex(source)
    }

    /// The pattern as written into a `tokenizer.json`: Oniguruma (Hugging Face's regex engine)
    /// reads cl100k's `\p{N}{1,3}+` as a repeated group rather than a possessive bounded repeat,
    /// so that one is written without the `+`, which matches the same pieces.
    public var huggingFaceSource: String {
        self == .cl100k ? source.replacingOccurrences(of: #"\p{N}{1,3}+"#, with: #"\p{N}{1,3}"#) : source
    }

    /// The GPT-2 pattern as Hugging Face's ByteLevel pre-tokenizer writes it (same matches).
    static let huggingFaceGPT2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let tiktokenLegacyGPT2 = #"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let tiktokenLegacyCL100K = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
}

extension SplitPattern {
    /// True for a pattern that runs through the general regex engine.
    public var isRegex: Bool { if case .regex = self { return true } else { return false } }
}
