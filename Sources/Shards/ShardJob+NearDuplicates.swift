import Cleaning
import Corpus
import Crypto
import Foundation
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// The near duplicates of one rank's documents, found by all ranks together (`DistributedShard`):
/// a bitmap over this job's document ordinals, and the `minhash.*` counters this rank reports
/// (summed over ranks they equal one process's).
public struct SharedNearDuplicates: Sendable {
    public var set: DocumentSet
    public var counters: [String: Int]
    public init(set: DocumentSet, counters: [String: Int]) {
        self.set = set
        self.counters = counters
    }
}

/// MinHash near-deduplication's first pass (see docs/cleaning.md, "Two passes").
extension ShardJob {
    /// MinHash near-deduplication needs every signature before the first document is written:
    /// this pass reads, cleans and filters all inputs once (as the main pass will, so document
    /// ordinals agree), computes the signatures of the documents the main pass would keep up
    /// to that point, and clusters them. Memory: `NearDuplicateIndex`, bounded by
    /// `minhashMemory`; past it the bucket entries spill to run files in
    /// `spillArea/minhash-spill.tmp-PID/`, removed when done. A resumed run repeats the pass:
    /// the result is the same.
    func findNearDuplicates(_ state: inout State, spillArea: String) throws {
        guard options.cleaning?.minhash != nil else { return }
        if let shared = sharedNearDuplicates {
            state.nearDuplicates = shared.set
            for (k, v) in shared.counters { state.cleaningCounters[k, default: 0] += v }
            return
        }
        var index = makeNearDuplicateIndex(spillArea: spillArea)
        defer { index.removeRuns() }
        _ = try signaturePass { ordinal, _, _, digests in try index.add(ordinal, digests) }
        let signed = index.signed
        let (set, pairs) = try index.duplicates()
        state.nearDuplicates = set
        state.cleaningCounters["minhash.signatures", default: 0] += signed
        state.cleaningCounters["minhash.candidate_pairs", default: 0] += pairs
        state.cleaningCounters["minhash.near_duplicates", default: 0] += set.count
        Self.countSpill(index, into: &state.cleaningCounters)
    }

    /// An empty index with this job's bucket count and memory bound, spilling (if it must) into
    /// a directory of this process's own under `spillArea`; such directories of dead processes
    /// (a killed run) are removed first.
    public func makeNearDuplicateIndex(spillArea: String) -> NearDuplicateIndex {
        let name = spillArea + "/minhash-spill"
        Self.removeStaleTemporaries(of: name)
        return NearDuplicateIndex(buckets: options.cleaning?.minhash?.buckets ?? 14, memoryBytes: minhashMemory,
                                  spillDirectory: name + ".tmp-\(getpid())")
    }

    /// `minhash.spilled_runs` / `minhash.spilled_entries`, when the index spilled.
    public static func countSpill(_ index: NearDuplicateIndex, into counters: inout [String: Int]) {
        guard index.spilledRuns > 0 else { return }
        counters["minhash.spilled_runs", default: 0] += index.spilledRuns
        counters["minhash.spilled_entries", default: 0] += index.spilledEntries
    }

    /// Reads, cleans and filters every input once, calling `body(ordinal, input, key, digests)`
    /// for each document the main pass hands to near-deduplication (kept by the filters, not an
    /// exact duplicate — of this job's inputs or, with `isEarlierDuplicate`, of another rank's
    /// earlier ones), with its ordinal among this job's documents read, its input's index, its
    /// exact-dedup key; nil digests: too few words for a signature. `DistributedShard` runs it
    /// before `isEarlierDuplicate` is known (it learns the other ranks' keys from this same
    /// pass), so then only the duplicates within the job are left out. Returns the documents
    /// read per input.
    public func signaturePass(_ body: (Int, Int, DocumentKey, [UInt64]?) throws -> Void) throws -> [Int] {
        if options.inputs.contains("-") {
            throw ShardError("--filters minhash reads the inputs twice (signatures first), and standard input can be read only once; save the stream to a file and pass the file")
        }
        let pipeline = options.normalization.pipeline
        var seen = Set<DocumentKey>()
        var ordinal = 0
        var perInput: [Int] = []
        var batch = Batch()
        func flush(_ inputIndex: Int) throws {
            let results = clean(batch.raw, pipeline, signatures: true)
            for (i, document) in batch.raw.enumerated() {
                defer { ordinal += 1 }
                guard document.problem == nil, document.dropReason == nil, case .success(let cleaned)? = results[i],
                      !tooManyReplacements(cleaned), rejection(cleaned.text) == nil,
                      let outcome = cleaned.outcome, outcome.dropped == nil else { continue }
                let key = Self.key(Array(SHA256.hash(data: outcome.text)))
                if options.dedup {
                    if !seen.insert(key).inserted { continue }
                    if let earlier = isEarlierDuplicate, earlier(key, inputIndex) { continue }
                }
                try body(ordinal, inputIndex, key, outcome.digests)
            }
            batch = Batch()
        }
        for (inputIndex, path) in options.inputs.enumerated() {
            let start = ordinal
            // An input that cannot be read gives the documents read before the failure, as in `run()`.
            if var reader = try? DocumentReader(path: path, options: readerOptions(for: path)) {
                while true {
                    let next: Document?
                    do { next = try reader.next() } catch { break }
                    guard let document = next else { break }
                    batch.append(document)
                    if batch.isFull { try flush(inputIndex) }
                }
            }
            try flush(inputIndex)
            perInput.append(ordinal - start)
        }
        return perInput
    }
}
