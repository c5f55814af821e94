import Glibc
import TokenmillSupport

/// The large float buffers of a model (parameters, gradients, activations): one allocation each,
/// as llm.c's arenas, aligned to 2 MiB and marked for transparent huge pages.
///
/// Why huge pages: every step streams hundreds of MB through these buffers (the B·T·V logits
/// alone are 64 MiB at V = 8,192), and with 4 KiB pages the page walks of those streams cost
/// time of their own; measured on config A, 2 threads: ~5% more tokens/s (BENCHMARKS.md).
/// Debian's default transparent-huge-page mode is `madvise`, so the advice is needed; where the
/// kernel refuses it, the buffers work as ordinary pages.
enum Arena {
    /// `count` floats, uninitialized; release with `free`. Traps when memory is exhausted, as
    /// Swift's own allocation does.
    static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        HugePageBuffer<Float>.allocateHugePages(max(1, count) * MemoryLayout<Float>.stride, for: "a model buffer")
            .bindMemory(to: Float.self, capacity: count)
    }

    static func free(_ pointer: UnsafeMutablePointer<Float>) {
        Glibc.free(UnsafeMutableRawPointer(pointer))
    }
}
