import TokenmillSupport

extension MergeLoop {
    /// Bytes the merge loop is expected to need for `entries` words of `keyBytes` bytes in all, on
    /// one thread: per word its record header, padding and stamp (~24 B); per byte a symbol (4 B)
    /// and its share of the pairs' word lists; per unique pair (about one per few bytes) its index
    /// slot, count, key, word list header and heap entries. The constants come from peak RSS of
    /// whole runs at 32,768 merges (so they include the pairs created by merging) and err high:
    /// 341 MB estimated vs ≈ 300–355 MB measured for 1.0 M words of 15 MB; 571 MB vs ≈ 350–460 MB
    /// for 1.8 M words of 24 MB (BENCHMARKS.md). This is the figure pruning uses, so pruning does
    /// not depend on the thread count. O(1).
    static func estimatedBytes(entries: Int, keyBytes: Int) -> Int {
        entries * bytesPerWord + keyBytes * bytesPerKeyByte
    }
    static let bytesPerWord = 100
    static let bytesPerKeyByte = 16

    /// The same with `threads` threads: each thread after the first adds a word list header per
    /// pair, splits lists into more (smaller) lists with their own partly filled blocks and pools
    /// (`WordLists`), and has its own heap. Measured on the 103.6 MB set (995,651 words, 15.1 MB):
    /// peak RSS 412 MB on one thread, 474–480 on two, 486 on three, 621 on four (session 6); with
    /// the pooled word lists (session 7) the loop's growth over counting is 321 MB on one thread
    /// and 361–406 MB on two (estimate 341 and 409): 8 B a word and 4 B a key byte per extra
    /// thread cover it.
    static func estimatedBytes(entries: Int, keyBytes: Int, threads: Int) -> Int {
        estimatedBytes(entries: entries, keyBytes: keyBytes) + max(0, threads - 1) * (entries * 8 + keyBytes * 4)
    }

    /// The merge loop's thread count: `requested`, but no more than the cores (its threads take
    /// shared steps together, so a thread without a core stalls the others: 4 threads on 2 cores
    /// took 14.4 s where 1 took 2.8 s), at most `maxThreads`, at most one per `wordsPerThread`
    /// entries (`TrainerOptions.mergeWordsPerThread`), and no more than fit in `limit`
    /// (`estimatedBytes(entries:keyBytes:threads:)`). The merges do not depend on it.
    static func threads(requested: Int, entries: Int, keyBytes: Int, limit: Int, wordsPerThread: Int) -> Int {
        var threads = max(1, min(requested, ThreadCount.default, maxThreads))
        if wordsPerThread > 0 { threads = min(threads, max(1, entries / wordsPerThread)) }
        while threads > 1 && estimatedBytes(entries: entries, keyBytes: keyBytes, threads: threads) > limit { threads -= 1 }
        return threads
    }

    /// Beyond this, per-pair list headers (8 B a thread) and barrier costs grow while each step's
    /// share shrinks; more than 4 threads were not measured.
    static let maxThreads = 8
}
