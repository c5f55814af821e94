extension MergeLoop {
    /// Bytes the merge loop is expected to need for `entries` words of `keyBytes` bytes in all:
    /// per word its start, length, count and stamp (24 B); per byte a symbol (4 B) and its share
    /// of the pairs' word lists; per unique pair (about one per few bytes) its index slot, count,
    /// key, flag, word list header and heap entries. The constants come from peak RSS of whole runs
    /// at 32,768 merges (so they include the pairs created by merging) and err high: 341 MB
    /// estimated vs ≈ 300–355 MB measured for 1.0 M words of 15 MB; 571 MB vs ≈ 350–460 MB for
    /// 1.8 M words of 24 MB (BENCHMARKS.md). O(1).
    static func estimatedBytes(entries: Int, keyBytes: Int) -> Int {
        entries * bytesPerWord + keyBytes * bytesPerKeyByte
    }
    static let bytesPerWord = 100
    static let bytesPerKeyByte = 16
}
