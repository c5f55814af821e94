import Dispatch

extension Tokenizer {
    /// Encodes many documents on `threads` cores; results are in input order and identical to
    /// encoding each alone. Documents must be valid UTF-8 (checked; the first failure is thrown).
    ///
    /// Work is handed out a document at a time from a shared counter, so that one huge document
    /// does not leave the other cores idle behind a static split.
    public func encodeBatch(_ documents: [[UInt8]], specials: SpecialTokenPolicy = .ordinary,
                            threads: Int = defaultThreadCount) throws -> [[TokenID]] {
        let results = UnsafeMutableBufferPointer<[TokenID]>.allocate(capacity: documents.count)
        results.initialize(repeating: [])
        defer { results.deinitialize(); results.deallocate() }
        let failures = UnsafeMutableBufferPointer<TokenizerError?>.allocate(capacity: documents.count)
        failures.initialize(repeating: nil)
        defer { failures.deinitialize(); failures.deallocate() }
        let counter = AtomicCounter()
        let workers = max(1, min(threads, documents.count))
        nonisolated(unsafe) let resultsOut = results
        nonisolated(unsafe) let failuresOut = failures
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let index = counter.next()
                guard index < documents.count else { break }
                do {
                    resultsOut[index] = try documents[index].withUnsafeBufferPointer { try encode(utf8: $0, specials: specials) }
                } catch let error as TokenizerError {
                    failuresOut[index] = error
                } catch {}
            }
        }
        if let failure = failures.first(where: { $0 != nil }) { throw failure! }
        return Array(results)
    }

    /// Both cores of the machine by default (`ProcessInfo.activeProcessorCount` without Foundation).
    public static var defaultThreadCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

final class AtomicCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
}
