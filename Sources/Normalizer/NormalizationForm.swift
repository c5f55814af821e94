/// A Unicode normalization form, named as the CLI and `tokenizer.json` name them.
///
/// - `nfc`: canonical composition. Changes only how a character is spelled in code points
///   (e.g. `e` + U+0301 → `é`), never what it means. The safe default for text you will display.
/// - `nfkc`: compatibility composition. Also folds presentation variants into their plain form:
///   full-width `Ａ` → `A`, ligature `ﬁ` → `fi`, superscript `²` → `2`, `①` → `1`. What most
///   tokenizers for language models use, because these variants carry no meaning worth a token.
/// - `nfkcCasefold`: NFKC followed by full case folding and removal of default-ignorable code
///   points (ICU's `nfkc_cf`, Unicode's NFKC_Casefold): for case-insensitive vocabularies.
public enum NormalizationForm: String, Sendable, Hashable, CaseIterable, Codable {
    case none
    case nfc
    case nfkc
    /// NFKC followed by full case folding (ICU's `nfkc_cf`): what "NFKC + lowercase" means for search.
    case nfkcCasefold = "nfkc-cf"
}

extension NormalizationForm {
    /// The `tm_form` code the ICU shim takes; nil for `.none`.
    var icuForm: Int32? {
        switch self {
        case .none: return nil
        case .nfc: return 0
        case .nfkc: return 1
        case .nfkcCasefold: return 2
        }
    }
}
