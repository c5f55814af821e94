internal import COpenBLAS
import Glibc

/// The facts about the machine that the kernels' blocking is derived from, and that a benchmark
/// needs beside its figures to be comparable across CPUs: data-cache sizes (sysconf), the core
/// type OpenBLAS dispatched to, and the transparent-huge-page mode the arenas rely on.
///
/// Why from the machine: the GPT kernels were first tuned on one CPU (AMD Zen, 32 KiB L1d); the
/// x86-64 machines this project runs on also include Intel Xeons with 48 KiB L1d and 2 MiB L2
/// per core. A block size is written here as a rule over these facts (docs/gpt.md, "Performance
/// notes"), not as the number that happened to be best on one of them.
public enum GPTMachine {

    /// L1 data cache per core, bytes: `sysconf(_SC_LEVEL1_DCACHE_SIZE)`, or 32 KiB where the
    /// system does not say (glibc returns 0 when cpuid gives no cache leaf, as in some VMs, and
    /// on most non-x86 kernels). 32 KiB is the smallest L1d of the x86-64 cores with AVX2.
    public static let l1DataCacheBytes = cacheSize(Int32(_SC_LEVEL1_DCACHE_SIZE), fallback: 32 << 10)

    /// L2 cache per core, bytes: `sysconf(_SC_LEVEL2_CACHE_SIZE)`, or 512 KiB where unknown.
    /// Reported (GPTBench); no block rule needs it yet (docs/gpt.md, "Performance notes").
    public static let l2CacheBytes = cacheSize(Int32(_SC_LEVEL2_CACHE_SIZE), fallback: 512 << 10)

    /// The kernel set OpenBLAS chose at load time (`openblas_get_corename`), e.g. "Cooperlake",
    /// "SkylakeX", "Haswell", "Zen". `OPENBLAS_CORETYPE` overrides its choice.
    public static let blasCoreName = String(cString: openblas_get_corename())

    /// Whether that kernel set has OpenBLAS's small-matrix sgemm path, which multiplies products
    /// with m·n·k ≤ 10⁶ without packing the operands: the AVX-512 cores only (SkylakeX,
    /// Cooperlake, SapphireRapids; checked in 0.3.21's kernel/x86_64/KERNEL.SKYLAKEX and
    /// sgemm_small_kernel_permit_skylakex.c). On the AVX2 cores (Haswell, Zen) every product is
    /// packed.
    public static let blasHasSmallMatrixKernels =
        ["skylakex", "cooperlake", "sapphirerapids"].contains(blasCoreName.lowercased())

    /// The selected transparent-huge-page mode ("always", "madvise", "never"), or "unknown".
    /// The arenas ask for huge pages with madvise (Arena.swift); under "never" they get none.
    public static var transparentHugePages: String {
        guard let f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r") else { return "unknown" }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 128)
        guard fgets(&line, Int32(line.count), f) != nil else { return "unknown" }
        let text = String(cString: line)
        guard let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]"), open < close else { return "unknown" }
        return String(text[text.index(after: open)..<close])
    }

    static func cacheSize(_ name: Int32, fallback: Int) -> Int {
        let n = sysconf(name)
        return n > 0 ? n : fallback
    }
}
