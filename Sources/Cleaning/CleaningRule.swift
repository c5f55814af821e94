/// Why the cleaning chain dropped a document: the filter and its rule, named as datatrove names
/// them (`gopher_repetition.dup_line_frac`, `c4_quality.curly_bracket`, …), so that a count in
/// a manifest can be looked up in datatrove's documentation and in docs/cleaning.md.
public enum CleaningRule: Hashable, Sendable, CustomStringConvertible {
    case gopherRepetition(GopherRepetitionRule)
    case gopherQuality(GopherQualityRule)
    case c4(C4Rule)
    case finewebQuality(FineWebRule)
    /// Language identification (`--languages`, `--min-language-score`).
    case language(LanguageRule)
    /// MinHash: another document earlier in input order shares a bucket with this one.
    case nearDuplicate

    public enum GopherRepetitionRule: Hashable, Sendable {
        case empty, dupParaFrac, dupParaCharFrac, dupLineFrac, dupLineCharFrac
        case topNGram(Int)
        case duplicatedNGrams(Int)
    }

    public enum GopherQualityRule: String, Hashable, Sendable {
        case shortDoc = "gopher_short_doc", longDoc = "gopher_long_doc"
        case belowAverageWordLength = "gopher_below_avg_threshold", aboveAverageWordLength = "gopher_above_avg_threshold"
        case tooManyHashes = "gopher_too_many_hashes", tooManyEllipsis = "gopher_too_many_ellipsis"
        case tooManyBullets = "gopher_too_many_bullets", tooManyEndEllipsis = "gopher_too_many_end_ellipsis"
        case belowAlphaThreshold = "gopher_below_alpha_threshold", notEnoughStopWords = "gopher_enough_stop_words"
    }

    public enum C4Rule: String, Hashable, Sendable {
        case loremIpsum = "lorem_ipsum", curlyBracket = "curly_bracket", tooFewSentences = "too_few_sentences"
    }

    /// Why the language filter dropped a document: its detected language is not among
    /// `--languages` (and none of them scores above the threshold), it is but scores at or
    /// below `--min-language-score`, or CLD2 found no language (no letters, too little text).
    public enum LanguageRule: String, Hashable, Sendable {
        case otherLanguage = "other_language", lowScore = "low_score", unknown
    }

    public enum FineWebRule: String, Hashable, Sendable {
        case empty, linePunctuationRatio = "line_punct_ratio", shortLineRatio = "short_line_ratio"
        case charDuplicatesRatio = "char_dup_ratio", listRatio = "list_ratio"
    }

    /// The filter's name, as in `--filters` manifests' keys (snake case).
    public var filter: String {
        switch self {
        case .gopherRepetition: return "gopher_repetition"
        case .gopherQuality: return "gopher_quality"
        case .c4: return "c4_quality"
        case .finewebQuality: return "fineweb_quality"
        case .language: return "language"
        case .nearDuplicate: return "minhash"
        }
    }

    /// The rule, as datatrove's filter returns it.
    public var rule: String {
        switch self {
        case .gopherRepetition(let r):
            switch r {
            case .empty: return "empty"
            case .dupParaFrac: return "dup_para_frac"
            case .dupParaCharFrac: return "dup_para_char_frac"
            case .dupLineFrac: return "dup_line_frac"
            case .dupLineCharFrac: return "dup_line_char_frac"
            case .topNGram(let n): return "top_\(n)_gram"
            case .duplicatedNGrams(let n): return "duplicated_\(n)_n_grams"
            }
        case .gopherQuality(let r): return r.rawValue
        case .c4(let r): return r.rawValue
        case .finewebQuality(let r): return r.rawValue
        case .language(let r): return r.rawValue
        case .nearDuplicate: return "near_duplicate"
        }
    }

    /// `filter.rule`: the key of the drop counts in the summary and the manifest.
    public var description: String { filter + "." + rule }
}
