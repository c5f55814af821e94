/// Causal multi-head self-attention, blocked along time.
///
/// Why blocked: with a causal mask, row t of the T×T score matrix only needs columns 0...t.
/// Splitting the rows into blocks (`attentionBlock(sequenceLength:headSize:)`, sized from the
/// machine's L1d) and letting each block's products stop at its own diagonal skips every block
/// above the diagonal: with T = 256 and blocks of 32 the eight sgemm products per (b, h) do
/// (1 + 2 + … + 8)/64 = 56% of the full T×T work instead of 100%.
/// Inside a diagonal block the masked entries are written as zeros, so the products stay exact.
///
/// Why per (b, h) on the Swift threads: a single (b, h) problem (T = 256, head size 64) is too
/// small to split, so the pairs are spread over the threads, each doing the whole pipeline
/// (scores, softmax, weighted sum) while its T×T block is in cache. A (b, h) is computed by the
/// same single-threaded sequence of operations whichever thread runs it.
///
/// Complexity: forward ≈ 2·B·NH·hs·T²·(1 + 1/nb) flops for nb = ⌈T / block⌉ blocks (vs 4·B·NH·hs·T²
/// unblocked), backward twice that; memory B·NH·T² floats for the probabilities (kept).
extension GPTKernels {

    /// Rows per causal block on this machine for sequences of `T` and heads of `hs`: the largest
    /// multiple of 16 (the sgemm kernels' row tile) such that
    /// - the widest block's score tile, block × T floats, fits in the L1 data cache: it is written
    ///   by the Q·Kᵀ product and read right after by the softmax and by P·V;
    /// - where OpenBLAS has its small-matrix kernels (AVX-512 cores), the block's products stay
    ///   under their limit, block·T·hs ≤ 10⁶: those skip packing the operands;
    /// at least 16 and at most 64.
    ///
    /// Measured (BENCHMARKS.md, GPT, 2026-12-03; Zen 4, 32 KiB L1d, one layer at 1 thread, T = 256,
    /// hs = 64): with OpenBLAS's AVX-512 kernels blocks of 16–48 are within ~10% of each other in
    /// no steady order, 64 (past the small-matrix limit) and 128 are slower; with its AVX2
    /// kernels (OPENBLAS_CORETYPE=Haswell) 32–64 are level, 16 and 128 (a 128 KiB tile) slower.
    /// The rule gives 32 there and 48 on a 48 KiB-L1d Xeon (not measured).
    package static func attentionBlock(sequenceLength T: Int, headSize hs: Int) -> Int {
        var rows = GPTMachine.l1DataCacheBytes / (MemoryLayout<Float>.stride * max(1, T))
        if GPTMachine.blasHasSmallMatrixKernels { rows = min(rows, 1_000_000 / max(1, T * hs)) }
        return min(64, max(16, rows / 16 * 16))
    }

    /// Causal multi-head self-attention. `inp` is qkv [B, T, 3C] (q, k, v, each NH heads of
    /// C/NH); `out` is [B, T, C]; `att` [B, NH, T, T] receives the softmax probabilities, kept for
    /// the backward pass: zero above the diagonal within each diagonal block; entries of blocks
    /// wholly above the diagonal (row block < column block) are neither written nor read.
    public static func attentionForward(_ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
                                        _ inp: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int) {
        attentionForward(out, att, inp, B: B, T: T, C: C, NH: NH, block: nil)
    }

    /// As above with `block` rows per causal block, nil for this machine's
    /// (`attentionBlock(sequenceLength:headSize:)`). Any block ≥ 1 gives the same result up to
    /// rounding; tests and GPTBench pass several.
    package static func attentionForward(_ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
                                         _ inp: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int, block: Int?) {
        let hs = C / NH, C3 = 3 * C, tb = block ?? attentionBlock(sequenceLength: T, headSize: hs)
        let scale = 1 / Float(hs).squareRoot()
        forEachHead(B * NH, scratch: hs * T) { bh, kt in
            let b = bh / NH, h = bh % NH
            let q = inp + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
            let a = att + bh * T * T, o = out + b * T * C + h * hs
            transpose(k, rows: T, columns: hs, stride: C3, into: kt)
            var r0 = 0
            while r0 < T {
                let m = min(tb, T - r0), n = r0 + m
                // S[r0..<n, 0..<n] = scale · Q[r0..<n] · Kᵀ[:, 0..<n]
                sgemm(false, false, m, n, hs, scale, q + r0 * C3, C3, kt, T, 0, a + r0 * T, T)
                for t in r0..<n { causalSoftmaxRow(a + t * T, count: t + 1, width: n) }
                // out[r0..<n] = P[r0..<n, 0..<n] · V[0..<n]
                sgemm(false, false, m, hs, n, 1, a + r0 * T, T, v, C3, 0, o + r0 * C, C)
                r0 = n
            }
        }
    }

    /// dinp (d qkv) += ..., given dout [B, T, C] and the forward's `att`. `datt` [B, NH, T, T]
    /// is scratch, overwritten (not accumulated), on the same blocks as `att`.
    public static func attentionBackward(_ dinp: UnsafeMutablePointer<Float>, _ datt: UnsafeMutablePointer<Float>,
                                         _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>,
                                         _ att: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int) {
        attentionBackward(dinp, datt, dout, inp, att, B: B, T: T, C: C, NH: NH, accumulate: true)
    }

    /// As above; with `accumulate` false, `dinp` is overwritten instead (every element of it is
    /// written exactly once, so the caller need not clear it). `block` must be the forward's
    /// (nil: this machine's, as the forward's nil).
    package static func attentionBackward(_ dinp: UnsafeMutablePointer<Float>, _ datt: UnsafeMutablePointer<Float>,
                                  _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>,
                                  _ att: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int, accumulate: Bool,
                                  block: Int? = nil) {
        let beta: Float = accumulate ? 1 : 0
        let hs = C / NH, C3 = 3 * C, tb = block ?? attentionBlock(sequenceLength: T, headSize: hs)
        let scale = 1 / Float(hs).squareRoot()
        forEachHead(B * NH, scratch: hs * T) { bh, vt in
            let b = bh / NH, h = bh % NH
            let q = inp + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
            let dq = dinp + b * T * C3 + h * hs, dk = dq + C, dv = dq + 2 * C
            let a = att + bh * T * T, ds = datt + bh * T * T, d = dout + b * T * C + h * hs
            transpose(v, rows: T, columns: hs, stride: C3, into: vt)
            var r0 = 0
            while r0 < T {  // row blocks: dP, softmax backward, dQ
                let m = min(tb, T - r0), n = r0 + m
                // dP[r0..<n, 0..<n] = dout[r0..<n] · Vᵀ[:, 0..<n]
                sgemm(false, false, m, n, hs, 1, d + r0 * C, C, vt, T, 0, ds + r0 * T, T)
                for t in r0..<n { causalSoftmaxBackwardRow(ds + t * T, a + t * T, count: t + 1, width: n, scale: scale) }
                // dQ[r0..<n] += dS[r0..<n, 0..<n] · K[0..<n]
                sgemm(false, false, m, hs, n, 1, ds + r0 * T, T, k, C3, beta, dq + r0 * C3, C3)
                r0 = n
            }
            var c0 = 0
            while c0 < T {  // column blocks: only rows ≥ c0 have non-zero entries there
                let w = min(tb, T - c0), rows = T - c0
                // dV[c0..<c0+w] += P[c0..<T, c0..<c0+w]ᵀ · dout[c0..<T]
                sgemm(true, false, w, hs, rows, 1, a + c0 * T + c0, T, d + c0 * C, C, beta, dv + c0 * C3, C3)
                // dK[c0..<c0+w] += dS[c0..<T, c0..<c0+w]ᵀ · Q[c0..<T]
                sgemm(true, false, w, hs, rows, 1, ds + c0 * T + c0, T, q + c0 * C3, C3, beta, dk + c0 * C3, C3)
                c0 += w
            }
        }
    }

    /// out[j·rows + i] = x[i·stride + j]: one head's K or V [T, hs] (rows of the qkv buffer) as
    /// hs × T, so that QKᵀ and dout·Vᵀ are plain (NN) products. OpenBLAS's small-matrix kernel for
    /// a transposed B runs at ~75 GFLOP/s a core on these shapes, the NN one at ~110; the copy is
    /// T·hs floats against 2·T²·hs flops.
    @inline(__always)
    static func transpose(_ x: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int, into out: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= rows {  // eight rows at a time: one contiguous 8-float store per column
            let r = x + i &* stride
            for j in 0..<columns {
                var v = V8()
                for u in 0..<8 { v[u] = r[u &* stride &+ j] }
                store8(out + (j &* rows &+ i), v)
            }
            i += 8
        }
        while i < rows {
            for j in 0..<columns { out[j &* rows &+ i] = x[i &* stride &+ j] }
            i += 1
        }
    }

    /// a[0..<count] ← softmax(a[0..<count]); a[count..<width] ← 0.
    @inline(__always)
    static func causalSoftmaxRow(_ a: UnsafeMutablePointer<Float>, count n: Int, width: Int) {
        _ = softmaxRow(a, into: a, count: n)
        if width > n { (a + n).update(repeating: 0, count: width - n) }
    }

    /// Softmax backward in place: da ← scale · a ⊙ (da − Σ a ⊙ da) over 0..<count; 0 up to width.
    @inline(__always)
    static func causalSoftmaxBackwardRow(_ da: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                                         count n: Int, width: Int, scale: Float) {
        var s = V8(), i = 0
        while i + 8 <= n { s += load8(a + i) * load8(da + i); i += 8 }
        var dot = s.sum()
        while i < n { dot += a[i] * da[i]; i += 1 }
        let dv = V8(repeating: dot), sv = V8(repeating: scale)
        i = 0
        while i + 8 <= n { store8(da + i, load8(a + i) * (load8(da + i) - dv) * sv); i += 8 }
        while i < n { da[i] = a[i] * (da[i] - dot) * scale; i += 1 }
        if width > n { (da + n).update(repeating: 0, count: width - n) }
    }

    /// Runs `body(bh, scratch)` for bh in 0..<count, spread over the threads (each head on one
    /// thread), with `scratch` floats of thread-private scratch.
    static func forEachHead(_ count: Int, scratch: Int, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        parallelFor(count) { r in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: scratch)
            defer { buffer.deallocate() }
            for bh in r { body(bh, buffer) }
        }
    }
}
