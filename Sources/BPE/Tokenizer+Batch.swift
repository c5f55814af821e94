import Dispatch
import Synchronization
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

extension Tokenizer {
    /// Encodes many documents on `threads` cores; results are in input order and identical to
    /// encoding each alone. Documents must be valid UTF-8 (checked; the first failure is thrown).
    ///
    /// Documents are cut into work items of about `chunkBytes` at places where the split pattern
    /// is known to cut anyway (`nextSafeCut`, Tokenizer+SafeCut.swift: after or before a line feed
    /// that precedes a non-space character, which CRLF text and lines in any script have), and
    /// items are handed out from a shared counter, so one huge document keeps both cores busy and
    /// the ids are those of the whole.
    ///
    /// `chunkBytes` nil: 256 KiB, or less when the batch is small — a batch of one 100 KB file
    /// (`shard` processes each input's documents as one batch) is cut into 8 items per thread of
    /// at least 8 KiB, so that it does not run on one core.
    public func encodeBatch(_ documents: [[UInt8]], specials: SpecialTokenPolicy = .ordinary,
                            threads: Int = ThreadCount.default, chunkBytes: Int? = nil) throws -> [[TokenID]] {
        let splittable = canCutDocuments(specials: specials)
        let total = documents.reduce(0) { $0 + $1.count }
        let chunkBytes = chunkBytes ?? min(1 << 18, max(1 << 13, total / (8 * max(1, threads))))
        var items: [(document: Int, range: Range<Int>)] = []
        for (index, document) in documents.enumerated() {
            guard splittable && document.count > 2 * chunkBytes else {
                items.append((index, 0..<document.count))
                continue
            }
            document.withUnsafeBufferPointer { buffer in
                var start = 0
                while start < document.count {
                    let target = start + chunkBytes
                    let end = target >= document.count ? document.count
                        : Self.nextSafeCut(buffer, from: target, pattern: pattern) ?? document.count
                    items.append((index, start..<end))
                    start = end
                }
            }
        }

        let workItems = items
        let results = UnsafeMutableBufferPointer<[TokenID]>.allocate(capacity: items.count)
        results.initialize(repeating: [])
        defer { results.deinitialize(); results.deallocate() }
        let failure = Mutex<(item: Int, error: TokenizerError)?>(nil)
        let counter = Atomic<Int>(0)
        nonisolated(unsafe) let out = results
        let workers = max(1, min(threads, workItems.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            // One piece cache per worker, kept across its items (see `PieceCache`).
            let cache = makeEncodingCache(textBytes: total / workers)
            while true {
                let index = counter.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < workItems.count else { break }
                let item = workItems[index]
                do {
                    var ids: [TokenID] = []
                    ids.reserveCapacity(item.range.count / 3)
                    try documents[item.document].withUnsafeBufferPointer { buffer in
                        // Validated per item, in parallel: items are cut before an ASCII byte, so
                        // no UTF-8 sequence spans two items.
                        let bytes = UnsafeBufferPointer(rebasing: buffer[item.range])
                        if let offset = UTF8Validation.firstInvalidOffset(bytes) {
                            throw TokenizerError.invalidUTF8(source: "document \(item.document)", offset: item.range.lowerBound + offset)
                        }
                        try appendEncoding(of: bytes, specials: specials, cache: cache, to: &ids)
                    }
                    out[index] = ids
                } catch let error as TokenizerError {
                    failure.withLock { if $0 == nil || $0!.item > index { $0 = (index, error) } }
                } catch {}
            }
        }
        // The first failure in document order, whichever thread met it first: deterministic.
        if let error = failure.withLock({ $0?.error }) { throw error }
        var encoded = [[TokenID]](repeating: [], count: documents.count)
        for (index, item) in items.enumerated() {
            if encoded[item.document].isEmpty { encoded[item.document] = results[index] } else { encoded[item.document] += results[index] }
        }
        return encoded
    }
}
