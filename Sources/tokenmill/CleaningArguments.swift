import ArgumentParser
import Cleaning
import Shards

/// The cleaning flags `shard` and `clean` share (argument parsing only; the steps are in the
/// Cleaning module, the orchestration in ShardJob).
struct CleaningArguments: ParsableArguments {
    @Option(help: "Cleaning steps, comma-separated: fineweb (the FineWeb chain: gopher-rep, gopher-quality, c4 without the terminal-punctuation rule, fineweb-quality, minhash, pii), fineweb-filters (its four filters alone), or any of gopher-rep, gopher-quality, c4, fineweb-quality, minhash, pii. Filters run in FineWeb's order whatever the order given. See docs/cleaning.md.")
    var filters: String?
    @Option(help: "MinHash: words per shingle.") var minhashNgrams = 5
    @Option(help: "MinHash: buckets.") var minhashBuckets = 14
    @Option(help: "MinHash: hashes per bucket.") var minhashHashesPerBucket = 8
    @Option(help: "Keep only documents in these languages (comma-separated CLD2 codes: en, de, fr, zh, …): a document is kept when any of them has a score above --min-language-score, as datatrove's LanguageFilter. Language identification runs before the other filters.")
    var languages: String?
    @Option(help: "Language identification's threshold: CLD2's share of the text in a language, within 0…1 (default 0.65, datatrove's). Alone, without --languages, drops documents whose detected language scores no higher.")
    var minLanguageScore: Double?
    @Option(help: "Write every dropped document (source, reason, text) to DIR/dropped-NNNNNN.jsonl.zst, one file per input with drops.")
    var droppedOut: String?

    func validate() throws {
        if let filters { _ = try parsed(filters) }
        if let languages {
            do { _ = try LanguageFilter.languages(languages) } catch let error as CleaningError { throw ValidationError(error.description) }
        }
        if let minLanguageScore, !(0...1).contains(minLanguageScore) {
            throw ValidationError("--min-language-score \(minLanguageScore): expected a share of the text within 0…1 (default 0.65)")
        }
        guard minhashNgrams >= 1, minhashBuckets >= 1, minhashHashesPerBucket >= 1 else {
            throw ValidationError("--minhash-ngrams, --minhash-buckets and --minhash-hashes-per-bucket must be at least 1 (defaults 5, 14, 8)")
        }
    }

    func parsed(_ filters: String) throws -> CleaningOptions {
        do { return try CleaningOptions(filters: filters) } catch let error as CleaningError { throw ValidationError(error.description) }
    }

    /// The options, or nil without `--filters` and language identification.
    func options() throws -> CleaningOptions? {
        guard filters != nil || languages != nil || minLanguageScore != nil else { return nil }
        var options = try filters.map(parsed) ?? CleaningOptions()
        if languages != nil || minLanguageScore != nil {
            var filter = LanguageFilter()
            do { filter.languages = try languages.map(LanguageFilter.languages) } catch let error as CleaningError { throw ValidationError(error.description) }
            if let minLanguageScore { filter.threshold = minLanguageScore }
            options.language = filter
        }
        if options.minhash != nil {
            options.minhash!.nGrams = minhashNgrams
            options.minhash!.buckets = minhashBuckets
            options.minhash!.hashesPerBucket = minhashHashesPerBucket
        }
        return options
    }
}
