internal import COpenBLAS
import Dispatch

/// Matrix products: every one goes through OpenBLAS `cblas_sgemm`, single-threaded, with the
/// threads of `GPTThreads` each computing one slab of the result.
///
/// Why not OpenBLAS's own threading: between calls its worker threads spin on `sched_yield`
/// waiting for the next product. On a machine with as many cores as threads, that spinning takes
/// a core from the Swift kernels (LayerNorm, GELU, softmax, AdamW) that run between products, and
/// from the per-head attention products that already run one per thread. Profiled on config B at
/// 2 threads: ~10% of the step was `sched_yield`; with the split below it is gone and the step is
/// ~10% faster (BENCHMARKS.md, GPT section).
///
/// Why slabs along the larger of m and n: each thread packs its own copy of the operand that is
/// not split, so splitting the larger dimension duplicates the smaller operand's packing. For
/// the LM head (n = V) that keeps the V×C weight packed once in total instead of once per thread.
extension GPTKernels {

    /// Column alignment of the slabs: the sgemm micro-kernels work on tiles of 16 (AVX-512) or
    /// fewer; a slab boundary off the tile grid would leave a ragged tile on both sides.
    static let productAlignment = 16

    /// C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C, row-major, spread over the threads.
    /// Deterministic for a given thread count: every element of C is computed by one
    /// single-threaded call whose operands do not depend on timing.
    /// Complexity: 2·m·n·k flops; each thread packs its slab of the split operand and all of the other.
    static func product(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        let threads = min(GPTThreads.current, max(m, n) / (4 * productAlignment))
        if threads <= 1 {
            sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let splitRows = m >= n
        let extent = splitRows ? m : n
        let tiles = (extent + productAlignment - 1) / productAlignment
        // Each thread writes only its own slab of C.
        nonisolated(unsafe) let a = a, b = b, c = c
        DispatchQueue.concurrentPerform(iterations: threads) { i in
            let lo = min(extent, tiles * i / threads * productAlignment)
            let hi = min(extent, tiles * (i + 1) / threads * productAlignment)
            guard hi > lo else { return }
            if splitRows {  // rows lo..<hi of C and of op(A)
                let a0 = transA ? a + lo : a + lo * lda
                sgemm(transA, transB, hi - lo, n, k, alpha, a0, lda, b, ldb, beta, c + lo * ldc, ldc)
            } else {        // columns lo..<hi of C and of op(B)
                let b0 = transB ? b + lo * ldb : b + lo
                sgemm(transA, transB, m, hi - lo, k, alpha, a, lda, b0, ldb, beta, c + lo, ldc)
            }
        }
    }

    /// Thin row-major `cblas_sgemm` wrapper on the calling thread: C[m,n] = alpha · op(A)[m,k] ·
    /// op(B)[k,n] + beta · C.
    @inline(__always)
    static func sgemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                      _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                      _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The machine's sgemm rate in GFLOP/s (2·n³ per product) at the current `GPTThreads`
    /// setting: the better of `product` (how the kernels multiply) and OpenBLAS's own threading,
    /// each best of `repeats`, so the reference for model FLOP utilization is never lowered by
    /// measuring only one way of using the cores.
    public static func measureSGEMM(size n: Int = 2048, repeats: Int = 3) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        func time(_ body: () -> Void) {
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                body()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
        }
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let (pa, pb, pc) = (a.baseAddress!, b.baseAddress!, c.baseAddress!)
                    time { product(false, false, n, n, n, 1, pa, n, pb, n, 0, pc, n) }
                    let threads = GPTThreads.current
                    if threads > 1 {
                        openblas_set_num_threads(Int32(threads))
                        time { sgemm(false, false, n, n, n, 1, pa, n, pb, n, 0, pc, n) }
                        GPTThreads.releaseBLASWorkers()  // else they spin into the first steps
                    }
                }
            }
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }
}
