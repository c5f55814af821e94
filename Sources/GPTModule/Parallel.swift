internal import COpenBLAS
import Dispatch
import Synchronization

/// Thread count of the kernels: Swift loops and the slabs of each matrix product run on
/// `DispatchQueue.concurrentPerform`; OpenBLAS runs single-threaded inside them.
public enum GPTThreads {
    private static let count = Atomic<Int>(1)

    /// Sets the number of threads for the kernels. OpenBLAS itself is kept single-threaded: the
    /// products are split over these threads instead (see GPTKernels+Products.swift for why).
    public static func set(_ n: Int) {
        count.store(max(1, n), ordering: .relaxed)
        // openblas_set_num_threads restarts OpenBLAS's worker pool whenever it is stopped, so it
        // is only called when OpenBLAS is not single-threaded already.
        if openblas_get_num_threads() != 1 { releaseBLASWorkers() }
    }

    /// Makes OpenBLAS single-threaded and stops its worker threads.
    ///
    /// Why: OpenBLAS's library constructor starts one worker per core before `main` runs, and
    /// each worker spins (sched_yield) for its timeout, ~0.1 s of CPU, before it sleeps: a cost
    /// every process that links OpenBLAS pays, also the tokenmill commands that never multiply
    /// a matrix. `tokenmill` calls this first thing; the GPT kernels never use OpenBLAS's
    /// threads (products are split over ours). `OPENBLAS_NUM_THREADS=1` in the environment
    /// avoids the workers altogether. Calls stay correct afterwards: with OpenBLAS set to one
    /// thread they run on the caller, and asking it for more threads starts the pool again.
    public static func releaseBLASWorkers() {
        openblas_set_num_threads(1)
        _ = blas_thread_shutdown_()
    }

    public static var current: Int { count.load(ordering: .relaxed) }
}

/// Splits `0..<n` into at most `GPTThreads.current` contiguous chunks and runs them concurrently.
/// `minChunk` keeps small jobs on the calling thread.
@inline(__always)
func parallelFor(_ n: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    let t = min(GPTThreads.current, max(1, n / max(minChunk, 1)))
    if t <= 1 {
        if n > 0 { body(0..<n) }
        return
    }
    withoutActuallyEscaping(body) { b in
        nonisolated(unsafe) let f = b
        DispatchQueue.concurrentPerform(iterations: t) { i in
            f((n * i / t)..<(n * (i + 1) / t))
        }
    }
}

typealias V8 = SIMD8<Float>

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> V8 {
    UnsafeRawPointer(p).loadUnaligned(as: V8.self)
}
@inline(__always) func load8(_ p: UnsafeMutablePointer<Float>) -> V8 {
    UnsafeRawPointer(p).loadUnaligned(as: V8.self)
}
@inline(__always) func store8(_ p: UnsafeMutablePointer<Float>, _ v: V8) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V8.self)
}

/// a · b + c. Fused (one vfmadd, one rounding) when the build targets a CPU with FMA: then
/// scripts/swift-flags.sh defines TOKENMILL_FMA. Why a build-time switch: Swift never contracts
/// `a * b + c` into an FMA by itself, and `addingProduct` on a target without FMA becomes a
/// libm call per lane, many times slower than the multiply and add it replaces.
@inline(__always) func fma8(_ a: V8, _ b: V8, _ c: V8) -> V8 {
#if TOKENMILL_FMA
    c.addingProduct(a, b)
#else
    a * b + c
#endif
}

/// Vectorized e^x: Cody–Waite range reduction and Cephes `expf`'s degree-5 minimax polynomial
/// (relative error ~1e-7 over the clamped range [−87, 88]).
@inline(__always) func vexp(_ x: V8) -> V8 {
    var x = x
    x.replace(with: -87.0, where: x .< -87.0)
    x.replace(with: 88.0, where: x .> 88.0)
    let magic = V8(repeating: 12582912.0)  // 1.5 · 2^23: adding it rounds to an integer
    let t = fma8(x, V8(repeating: 1.44269504088896341), magic)
    let n = t - magic
    let r = fma8(n, V8(repeating: 2.12194440e-4), fma8(n, V8(repeating: -0.693359375), x))
    var p = V8(repeating: 1.9875691500e-4)
    p = fma8(p, r, V8(repeating: 1.3981999507e-3))
    p = fma8(p, r, V8(repeating: 8.3334519073e-3))
    p = fma8(p, r, V8(repeating: 4.1665795894e-2))
    p = fma8(p, r, V8(repeating: 1.6666665459e-1))
    p = fma8(p, r, V8(repeating: 5.0000001201e-1))
    p = fma8(p, r * r, r + 1)
    let ti = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    let scale = unsafeBitCast((ti &+ 127) &<< 23, to: V8.self)
    return p * scale
}

@inline(__always) func vtanh(_ x: V8) -> V8 {
    let e = vexp(x + x)
    return 1 - 2 / (e + 1)
}

/// Lane-wise maximum (inlined: the generic `pointwiseMax` is not always).
@inline(__always) func vmax(_ a: V8, _ b: V8) -> V8 {
    var r = a
    r.replace(with: b, where: b .> a)
    return r
}

@inline(__always) func sexp(_ x: Float) -> Float { vexp(V8(repeating: x))[0] }
