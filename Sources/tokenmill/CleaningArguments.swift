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
    @Option(help: "Write every dropped document (source, reason, text) to DIR/dropped-NNNNNN.jsonl.zst, one file per input with drops.")
    var droppedOut: String?

    func validate() throws {
        if let filters { _ = try parsed(filters) }
        guard minhashNgrams >= 1, minhashBuckets >= 1, minhashHashesPerBucket >= 1 else {
            throw ValidationError("--minhash-ngrams, --minhash-buckets and --minhash-hashes-per-bucket must be at least 1 (defaults 5, 14, 8)")
        }
    }

    func parsed(_ filters: String) throws -> CleaningOptions {
        do { return try CleaningOptions(filters: filters) } catch let error as CleaningError { throw ValidationError(error.description) }
    }

    /// The options, or nil without `--filters`.
    func options() throws -> CleaningOptions? {
        guard let filters else { return nil }
        var options = try parsed(filters)
        if options.minhash != nil {
            options.minhash!.nGrams = minhashNgrams
            options.minhash!.buckets = minhashBuckets
            options.minhash!.hashesPerBucket = minhashHashesPerBucket
        }
        return options
    }
}
