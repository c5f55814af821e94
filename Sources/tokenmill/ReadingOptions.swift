import ArgumentParser
import Corpus
import Normalizer
import Shards

/// How `shard` and `clean` read and normalize their inputs (argument parsing only): one group,
/// so the two commands cannot drift apart. The cleaning steps are `CleaningArguments`.
struct ReadingOptions: ParsableArguments {
    @Option(help: "text, jsonl, html, warc, wet, wikipedia or parquet (default: from each file's extension; .xml files that start with <mediawiki are wikipedia).") var inputFormat: InputFormat?
    @Option(help: "Plain text: file (one document per file), blank-lines or lines.") var split: TextSplit = .file
    @Option(help: "The JSONL field or Parquet column holding the text.") var textField = "text"
    @Flag(help: "Keep Project Gutenberg headers and licences.") var keepGutenberg = false
    @Option(help: "Normalization form: none, nfc, nfkc, nfkc-cf.") var form: NormalizationForm = .nfc
    @Flag(help: "Drop documents with invalid UTF-8 instead of repairing them with U+FFFD.") var rejectInvalidUTF8 = false
    @Option(help: "Drop a document whose U+FFFD repairs exceed this share of its characters (too_many_replacements): text in another encoding, not UTF-8 with a few bad bytes.") var maxReplacementRatio = 0.02
    @Option(help: "Decode documents that are not valid UTF-8 from this charset (an ICU name such as GB18030, KOI8-R, windows-1252), or auto for ICU's charset detector. UTF-16 with a byte-order mark is always decoded.") var fallbackEncoding: String?
    @Flag(help: "Keep control characters.") var keepControls = false
    @Flag(help: "Trim trailing whitespace and collapse blank-line runs.") var trimWhitespace = false
    @Option(help: "Drop documents shorter than this many characters (after cleaning).") var minChars = 1
    @Flag(help: "Keep exact duplicates.") var noDedup = false
    @Flag(help: "Stop at the first bad input or record (default: report it and go on).") var strict = false

    func validate() throws {
        guard maxReplacementRatio >= 0 && maxReplacementRatio <= 1 else {
            throw ValidationError("--max-replacement-ratio \(maxReplacementRatio): expected a share of characters within 0…1 (default 0.02)")
        }
        guard minChars >= 0 else { throw ValidationError("--min-chars \(minChars): expected 0 or more characters") }
        guard !textField.isEmpty else { throw ValidationError("--text-field is empty: name the JSONL field that holds the text (default: text)") }
    }

    /// Sets the reading and normalization fields of `options`.
    func apply(to options: inout ShardOptions) {
        options.reader = ReaderOptions(format: inputFormat, split: split, textField: textField, stripGutenberg: !keepGutenberg)
        options.normalization.form = form
        options.normalization.utf8Policy = rejectInvalidUTF8 ? .strict : .repair
        options.normalization.stripControls = !keepControls
        options.normalization.trimWhitespace = trimWhitespace
        options.minChars = minChars
        options.dedup = !noDedup
        options.strict = strict
        options.maxReplacementRatio = maxReplacementRatio
        options.fallbackEncoding = fallbackEncoding
    }
}
