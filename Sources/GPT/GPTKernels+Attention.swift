internal import COpenBLAS

/// Causal multi-head self-attention, blocked along time.
///
/// Why blocked: with a causal mask, row t of the T×T score matrix only needs columns 0...t.
/// Splitting the rows into blocks of `attentionBlock` and letting each block's products stop at
/// its own diagonal skips every block above the diagonal: with T = 256 and blocks of 64 the four
/// sgemm products per (b, h) do (1 + 2 + 3 + 4)/16 = 62.5% of the full T×T work instead of 100%.
/// Inside a diagonal block the masked entries are written as zeros, so the products stay exact.
///
/// Why per (b, h) on the Swift threads: a single (b, h) problem (T = 256, head size 64) is too
/// small for OpenBLAS's own threading to pay off, so when there are at least as many (b, h)
/// pairs as threads, OpenBLAS runs single-threaded and the pairs are spread over the threads,
/// each doing the whole pipeline (scores, softmax, weighted sum) while its T×T block is in cache.
/// On that path a (b, h) is computed by the same single-threaded sequence of operations whichever
/// thread runs it (with fewer pairs than threads, OpenBLAS's threading is used as before).
///
/// Complexity: forward ≈ 2·B·NH·hs·T²·(1 + 1/nb) flops for nb = ⌈T / block⌉ blocks (vs 4·B·NH·hs·T²
/// unblocked), backward twice that; memory B·NH·T² floats for the probabilities (kept).
extension GPTKernels {

    /// Rows per causal block. 64 balances skipped work against the per-call overhead of sgemm
    /// (measured on config A; see BENCHMARKS.md's GPT section).
    static let attentionBlock = 64

    /// Causal multi-head self-attention. `inp` is qkv [B, T, 3C] (q, k, v, each NH heads of
    /// C/NH); `out` is [B, T, C]; `att` [B, NH, T, T] receives the softmax probabilities, kept for
    /// the backward pass: zero above the diagonal within each diagonal block; entries of blocks
    /// wholly above the diagonal (row block < column block) are neither written nor read.
    public static func attentionForward(_ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
                                        _ inp: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int) {
        let hs = C / NH, C3 = 3 * C, tb = attentionBlock
        let scale = 1 / Float(hs).squareRoot()
        forEachHead(B * NH) { bh in
            let b = bh / NH, h = bh % NH
            let q = inp + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
            let a = att + bh * T * T, o = out + b * T * C + h * hs
            var r0 = 0
            while r0 < T {
                let m = min(tb, T - r0), n = r0 + m
                // S[r0..<n, 0..<n] = scale · Q[r0..<n] · K[0..<n]ᵀ
                sgemm(false, true, m, n, hs, scale, q + r0 * C3, C3, k, C3, 0, a + r0 * T, T)
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
    /// written exactly once, so the caller need not clear it).
    static func attentionBackward(_ dinp: UnsafeMutablePointer<Float>, _ datt: UnsafeMutablePointer<Float>,
                                  _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>,
                                  _ att: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int, accumulate: Bool) {
        let beta: Float = accumulate ? 1 : 0
        let hs = C / NH, C3 = 3 * C, tb = attentionBlock
        let scale = 1 / Float(hs).squareRoot()
        forEachHead(B * NH) { bh in
            let b = bh / NH, h = bh % NH
            let q = inp + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
            let dq = dinp + b * T * C3 + h * hs, dk = dq + C, dv = dq + 2 * C
            let a = att + bh * T * T, ds = datt + bh * T * T, d = dout + b * T * C + h * hs
            var r0 = 0
            while r0 < T {  // row blocks: dP, softmax backward, dQ
                let m = min(tb, T - r0), n = r0 + m
                // dP[r0..<n, 0..<n] = dout[r0..<n] · V[0..<n]ᵀ
                sgemm(false, true, m, n, hs, 1, d + r0 * C, C, v, C3, 0, ds + r0 * T, T)
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

    /// Runs `body(bh)` for bh in 0..<count: spread over the Swift threads with OpenBLAS
    /// single-threaded when there are enough heads to go round, else in order with OpenBLAS
    /// threaded as usual.
    static func forEachHead(_ count: Int, _ body: (Int) -> Void) {
        let threads = GPTThreads.current
        if threads <= 1 || count < threads {
            for bh in 0..<count { body(bh) }
            return
        }
        GPTThreads.withSingleThreadedBLAS {
            parallelFor(count) { r in for bh in r { body(bh) } }
        }
    }

    /// Thin row-major `cblas_sgemm` wrapper: C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C.
    @inline(__always)
    static func sgemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                      _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                      _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
