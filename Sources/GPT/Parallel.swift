internal import COpenBLAS
import Dispatch
import Synchronization

/// Thread count shared by the Swift kernels (`DispatchQueue.concurrentPerform`) and OpenBLAS.
public enum GPTThreads {
    private static let count = Atomic<Int>(1)

    /// Sets the number of threads for both the Swift kernels and OpenBLAS (`openblas_set_num_threads`).
    public static func set(_ n: Int) {
        let n = max(1, n)
        count.store(n, ordering: .relaxed)
        openblas_set_num_threads(Int32(n))
    }

    public static var current: Int { count.load(ordering: .relaxed) }

    /// Runs `body` with OpenBLAS single-threaded, then restores `current`: for code that spreads
    /// many small, independent sgemm calls over the Swift threads itself (attention per head),
    /// where OpenBLAS's per-call thread hand-off costs more than it gains. Not reentrant; the
    /// kernels run one at a time.
    static func withSingleThreadedBLAS(_ body: () -> Void) {
        let n = current
        if n > 1 { openblas_set_num_threads(1) }
        body()
        if n > 1 { openblas_set_num_threads(Int32(n)) }
    }

    /// OpenBLAS's own idea of its thread count.
    public static var openBLASThreads: Int { Int(openblas_get_num_threads()) }
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

/// Vectorized e^x (Cody–Waite range reduction + degree-7 polynomial; relative error ~1e-7).
@inline(__always) func vexp(_ x: V8) -> V8 {
    var x = x
    x.replace(with: -87.0, where: x .< -87.0)
    x.replace(with: 88.0, where: x .> 88.0)
    let magic = V8(repeating: 12582912.0)  // 1.5 · 2^23: adding it rounds to an integer
    let t = x * 1.44269504088896341 + magic
    let n = t - magic
    let r = x - n * 0.693359375 + n * 2.12194440e-4
    var p = V8(repeating: 1.0 / 5040)
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
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
