#if canImport(Glibc)
import Glibc
#endif

/// A fixed-size buffer of trivial values, allocated 2 MiB-aligned and advised for transparent
/// huge pages when it is large, for tables read at random: the tokenizer's vocabulary index and
/// pair table (8 MB each for cl100k).
///
/// Why: with 4 KiB pages, a lookup at a random place of an 8 MB table misses the TLB as well
/// as the cache (the AMD EPYC machine's TLB covers 10 MB, shared with everything else the
/// encoder touches); measured in BENCHMARKS.md ("BPE encoding", issue 17). Debian's default
/// transparent-huge-page mode is `madvise`, so the advice is needed, and it is given before the
/// first write so that the pages are huge from the start. Where the kernel refuses, the buffer
/// works as ordinary pages. (`GPTModule/Arena.swift` allocates the model's float buffers through `allocateHugePages` too.)
public final class HugePageBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    /// Immutable after `init` returns (the initializer's closure fills it), so sharing across
    /// threads is safe.
    public let base: UnsafeMutablePointer<Element>
    public let count: Int

    static var alignment: Int { 1 << 21 }

    /// `count` elements set to `value`, then `fill` may write them (before any other thread sees
    /// the buffer).
    public init(repeating value: Element, count: Int, fill: (UnsafeMutableBufferPointer<Element>) -> Void = { _ in }) {
        let bytes = max(1, count) * MemoryLayout<Element>.stride
        var raw: UnsafeMutableRawPointer?
        if bytes >= Self.alignment {
            raw = Self.allocateHugePages(bytes, for: "a lookup table")
        } else {
            raw = malloc(bytes)
            guard raw != nil else { fatalError("out of memory: could not allocate \(bytes) bytes for a lookup table") }
        }
        base = raw!.bindMemory(to: Element.self, capacity: max(1, count))
        base.initialize(repeating: value, count: count)
        self.count = count
        fill(UnsafeMutableBufferPointer(start: base, count: count))
    }

    deinit { free(UnsafeMutableRawPointer(base)) }

    /// `bytes` rounded up to 2 MiB, 2 MiB-aligned and advised for transparent huge pages (the one
    /// place that does this: the tokenizer's tables above and the model's float arenas,
    /// `GPTModule/Arena.swift`, use it); release with `free`. Traps when memory is exhausted, as
    /// Swift's own allocation does; `what` names the buffer in that message.
    public static func allocateHugePages(_ bytes: Int, for what: String) -> UnsafeMutableRawPointer {
        let rounded = (max(1, bytes) + alignment - 1) / alignment * alignment
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, alignment, rounded) == 0, let raw else {
            fatalError("out of memory: could not allocate \(rounded >> 20) MiB for \(what)")
        }
        #if canImport(Glibc)
        _ = madvise(raw, rounded, MADV_HUGEPAGE)
        #endif
        return raw
    }
}
