import Foundation
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
    @Option(help: "MinHash: memory for the bucket entries (16 bytes per bucket per document, 224 with 14 buckets), as bytes or with K, M, G (1024-based); past it they spill to sorted run files beside the output, merged at the end (same result). Under mpirun the same bound holds each rank's signature records (132 bytes per document with 14 buckets; past it they spill to a file of the rank's own) and rank 0's index; the records go to rank 0 in rounds of at most the bound. Default 1G.")
    var minhashMemory = "1G"
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
        _ = try minhashMemoryBytes()
        guard minhashNgrams >= 1, minhashBuckets >= 1, minhashHashesPerBucket >= 1 else {
            throw ValidationError("--minhash-ngrams, --minhash-buckets and --minhash-hashes-per-bucket must be at least 1 (defaults 5, 14, 8)")
        }
    }

    /// `--minhash-memory` in bytes.
    func minhashMemoryBytes() throws -> Int {
        let text = minhashMemory.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        let unit = text.last.flatMap { units[$0] }
        guard let number = Int(unit == nil ? text : String(text.dropLast())), number > 0,
              number <= Int.max / (unit ?? 1) else {
            throw ValidationError("--minhash-memory \(minhashMemory): expected a positive number of bytes, optionally with K, M or G (e.g. 512M; default 1G)")
        }
        return number * (unit ?? 1)
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
