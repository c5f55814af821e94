internal import COpenBLAS
import Foundation

/// The layer kernels, in llm.c's `train_gpt2.c` style: each layer is a forward/backward pair,
/// row-major float32 buffers, shapes named B (batch), T (time), C (channels), OC (output
/// channels), V (vocabulary), NH (heads). Backward functions *accumulate* (`+=`) into their
/// gradient outputs, except where noted. Work is spread over `GPTThreads.current` threads; every
/// matrix product goes through OpenBLAS `cblas_sgemm`.
public enum GPTKernels {

    // MARK: encoder

    /// out[b,t,:] = wte[inp[b,t],:] + wpe[pos[b,t],:]; `pos` nil means pos[b,t] = t.
    public static func encoderForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Int32>,
                                      _ pos: UnsafePointer<Int32>?, _ wte: UnsafePointer<Float>,
                                      _ wpe: UnsafePointer<Float>, B: Int, T: Int, C: Int) {
        parallelFor(B * T, minChunk: 64) { r in
            for bt in r {
                let ix = Int(inp[bt])
                let p = pos.map { Int($0[bt]) } ?? (bt % T)
                let o = out + bt * C, a = wte + ix * C, w = wpe + p * C
                var i = 0
                while i + 8 <= C { store8(o + i, load8(a + i) + load8(w + i)); i += 8 }
                while i < C { o[i] = a[i] + w[i]; i += 1 }
            }
        }
    }

    public static func encoderBackward(_ dwte: UnsafeMutablePointer<Float>, _ dwpe: UnsafeMutablePointer<Float>,
                                       _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Int32>,
                                       _ pos: UnsafePointer<Int32>?, B: Int, T: Int, C: Int) {
        // Scatter-add: rows may repeat, so split over channels instead of rows.
        parallelFor(C / 8 + (C % 8 == 0 ? 0 : 1), minChunk: 8) { r in
            let lo = r.lowerBound * 8, hi = min(C, r.upperBound * 8)
            for bt in 0..<(B * T) {
                let ix = Int(inp[bt])
                let p = pos.map { Int($0[bt]) } ?? (bt % T)
                let d = dout + bt * C, a = dwte + ix * C, w = dwpe + p * C
                for i in lo..<hi { a[i] += d[i]; w[i] += d[i] }
            }
        }
    }

    // MARK: layernorm

    /// out = (inp − mean) · rstd · weight + bias per row of C; saves mean and rstd (eps 1e-5).
    public static func layernormForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>,
                                        _ rstd: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                                        _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                                        B: Int, T: Int, C: Int) {
        parallelFor(B * T, minChunk: 16) { r in
            for bt in r {
                let x = inp + bt * C, o = out + bt * C
                var s = V8(), i = 0
                while i + 8 <= C { s += load8(x + i); i += 8 }
                var m = s.sum()
                while i < C { m += x[i]; i += 1 }
                m /= Float(C)
                var v = V8(); i = 0
                let mv = V8(repeating: m)
                while i + 8 <= C { let d = load8(x + i) - mv; v += d * d; i += 8 }
                var va = v.sum()
                while i < C { let d = x[i] - m; va += d * d; i += 1 }
                va /= Float(C)
                let rs = 1 / (va + 1e-5).squareRoot()
                let rv = V8(repeating: rs)
                i = 0
                while i + 8 <= C {
                    store8(o + i, (load8(x + i) - mv) * rv * load8(weight + i) + load8(bias + i)); i += 8
                }
                while i < C { o[i] = (x[i] - m) * rs * weight[i] + bias[i]; i += 1 }
                mean[bt] = m
                rstd[bt] = rs
            }
        }
    }

    public static func layernormBackward(_ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
                                         _ dbias: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                                         _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                         _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>,
                                         B: Int, T: Int, C: Int) {
        let N = B * T
        let chunks = min(GPTThreads.current, max(1, N / 16))
        // Per-chunk partial sums of dweight / dbias, reduced afterwards.
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: chunks * 2 * C)
        partial.initialize(repeating: 0, count: chunks * 2 * C)
        defer { partial.deallocate() }
        withoutActuallyEscaping({ (k: Int) in
            let lo = N * k / chunks, hi = N * (k + 1) / chunks
            let dw = partial + k * 2 * C, db = dw + C
            for bt in lo..<hi {
                let x = inp + bt * C, d = dout + bt * C, dx = dinp + bt * C
                let m = V8(repeating: mean[bt]), rs = V8(repeating: rstd[bt])
                var s1 = V8(), s2 = V8(), i = 0
                var t1: Float = 0, t2: Float = 0
                while i + 8 <= C {
                    let n = (load8(x + i) - m) * rs
                    let dn = load8(weight + i) * load8(d + i)
                    s1 += dn; s2 += dn * n; i += 8
                }
                while i < C {
                    let n = (x[i] - mean[bt]) * rstd[bt], dn = weight[i] * d[i]
                    t1 += dn; t2 += dn * n; i += 1
                }
                let dmean = V8(repeating: (s1.sum() + t1) / Float(C))
                let dnm = V8(repeating: (s2.sum() + t2) / Float(C))
                i = 0
                while i + 8 <= C {
                    let n = (load8(x + i) - m) * rs
                    let dd = load8(d + i)
                    store8(db + i, load8(db + i) + dd)
                    store8(dw + i, load8(dw + i) + n * dd)
                    let dn = load8(weight + i) * dd
                    store8(dx + i, load8(dx + i) + (dn - dmean - n * dnm) * rs)
                    i += 8
                }
                while i < C {
                    let n = (x[i] - mean[bt]) * rstd[bt]
                    db[i] += d[i]; dw[i] += n * d[i]
                    dx[i] += (weight[i] * d[i] - dmean[0] - n * dnm[0]) * rstd[bt]
                    i += 1
                }
            }
        }) { f in
            nonisolated(unsafe) let g = f
            if chunks == 1 { g(0) } else { DispatchQueue.concurrentPerform(iterations: chunks) { g($0) } }
        }
        for k in 0..<chunks {
            let dw = partial + k * 2 * C, db = dw + C
            for i in 0..<C { dweight[i] += dw[i]; dbias[i] += db[i] }
        }
    }

    // MARK: matmul

    /// out[BT, OC] = inp[BT, C] · weight[OC, C]ᵀ + bias[OC] (PyTorch `nn.Linear` layout).
    public static func matmulForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                                     _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                                     B: Int, T: Int, C: Int, OC: Int) {
        let N = B * T
        if let bias {
            parallelFor(N, minChunk: 64) { r in
                for bt in r { (out + bt * OC).update(from: bias, count: OC) }
            }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(N), Int32(OC), Int32(C),
                    1, inp, Int32(C), weight, Int32(C), bias == nil ? 0 : 1, out, Int32(OC))
    }

    /// dinp += dout · weight, dweight += doutᵀ · inp, dbias += Σ_rows dout.
    public static func matmulBackward(_ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
                                      _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
                                      _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                      B: Int, T: Int, C: Int, OC: Int) {
        matmulBackward(dinp, dweight, dbias, dout, inp, weight, B: B, T: T, C: C, OC: OC, accumulateInput: true)
    }

    /// As above; with `accumulateInput` false, `dinp` is overwritten (sgemm with β = 0), which
    /// saves the caller clearing it and sgemm reading it.
    static func matmulBackward(_ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
                               _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
                               _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                               B: Int, T: Int, C: Int, OC: Int, accumulateInput: Bool) {
        let N = B * T
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(N), Int32(C), Int32(OC),
                    1, dout, Int32(OC), weight, Int32(C), accumulateInput ? 1 : 0, dinp, Int32(C))
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(OC), Int32(C), Int32(N),
                    1, dout, Int32(OC), inp, Int32(C), 1, dweight, Int32(C))
        if let dbias {
            let ones = [Float](repeating: 1, count: N)
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(N), Int32(OC), 1, dout, Int32(OC), ones, 1, 1, dbias, 1)
        }
    }

    // MARK: attention — see GPTKernels+Attention.swift

    // MARK: GELU (tanh approximation, as GPT-2)

    static let geluScale: Float = 0.7978845608028654  // sqrt(2/π)

    public static func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, N: Int) {
        parallelFor(N / 8, minChunk: 1024) { r in
            let s = V8(repeating: geluScale)
            for j in r {
                let x = load8(inp + 8 * j)
                let t = vtanh(s * (x + 0.044715 * x * x * x))
                store8(out + 8 * j, 0.5 * x * (1 + t))
            }
        }
        for i in (N / 8 * 8)..<N {
            let x = inp[i]
            out[i] = 0.5 * x * (1 + tanh(geluScale * (x + 0.044715 * x * x * x)))
        }
    }

    public static func geluBackward(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                                    _ dout: UnsafePointer<Float>, N: Int) {
        geluBackward(dinp, inp, dout, N: N, accumulate: true)
    }

    /// As above; with `accumulate` false, `dinp` is overwritten (no clearing, no read of it).
    static func geluBackward(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                             _ dout: UnsafePointer<Float>, N: Int, accumulate: Bool) {
        @inline(__always) func grad(_ x: V8) -> V8 {
            let s = V8(repeating: geluScale)
            let t = vtanh(s * (x + 0.044715 * x * x * x))
            let sech2 = 1 - t * t
            return 0.5 * (1 + t) + x * 0.5 * sech2 * s * (1 + 3 * 0.044715 * x * x)
        }
        parallelFor(N / 8, minChunk: 1024) { r in
            for j in r {
                let i = 8 * j
                let g = grad(load8(inp + i)) * load8(dout + i)
                store8(dinp + i, accumulate ? load8(dinp + i) + g : g)
            }
        }
        for i in (N / 8 * 8)..<N {
            let g = grad(V8(repeating: inp[i]))[0] * dout[i]
            dinp[i] = accumulate ? dinp[i] + g : g
        }
    }

    // MARK: residual

    public static func residualForward(_ out: UnsafeMutablePointer<Float>, _ inp1: UnsafePointer<Float>,
                                       _ inp2: UnsafePointer<Float>, N: Int) {
        parallelFor(N / 8, minChunk: 4096) { r in
            for j in r { store8(out + 8 * j, load8(inp1 + 8 * j) + load8(inp2 + 8 * j)) }
        }
        for i in (N / 8 * 8)..<N { out[i] = inp1[i] + inp2[i] }
    }

    public static func residualBackward(_ dinp1: UnsafeMutablePointer<Float>, _ dinp2: UnsafeMutablePointer<Float>,
                                        _ dout: UnsafePointer<Float>, N: Int) {
        parallelFor(N / 8, minChunk: 4096) { r in
            for j in r {
                let i = 8 * j, d = load8(dout + i)
                store8(dinp1 + i, load8(dinp1 + i) + d)
                store8(dinp2 + i, load8(dinp2 + i) + d)
            }
        }
        for i in (N / 8 * 8)..<N { dinp1[i] += dout[i]; dinp2[i] += dout[i] }
    }

    // MARK: softmax + cross-entropy

    /// p[0..<n] ← softmax(x[0..<n]) (x and p may be the same row). Returns the row's max and
    /// the sum of exp(x − max): log-sum-exp is max + log(sum), what cross-entropy needs. O(n),
    /// eight lanes at a time. One kernel for the attention rows and the vocabulary rows.
    @inline(__always)
    static func softmaxRow(_ x: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>, count n: Int) -> (max: Float, sum: Float) {
        var mx = V8(repeating: -.greatestFiniteMagnitude), i = 0
        while i + 8 <= n { mx = vmax(mx, load8(x + i)); i += 8 }
        var m = mx.max()
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        let mv = V8(repeating: m)
        var s = V8(); i = 0
        while i + 8 <= n { let e = vexp(load8(x + i) - mv); store8(p + i, e); s += e; i += 8 }
        var sum = s.sum()
        while i < n { let e = sexp(x[i] - m); p[i] = e; sum += e; i += 1 }
        let inv = V8(repeating: 1 / sum)
        i = 0
        while i + 8 <= n { store8(p + i, load8(p + i) * inv); i += 8 }
        while i < n { p[i] *= inv[0]; i += 1 }
        return (m, sum)
    }

    /// probs = softmax(logits) per row of V; losses[bt] = −log probs[target] (0 where target < 0).
    public static func softmaxCrossEntropyForward(_ losses: UnsafeMutablePointer<Float>, _ probs: UnsafeMutablePointer<Float>,
                                                  _ logits: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>,
                                                  B: Int, T: Int, V: Int) {
        parallelFor(B * T, minChunk: 4) { r in
            for bt in r {
                let x = logits + bt * V
                let (m, sum) = softmaxRow(x, into: probs + bt * V, count: V)
                let tg = Int(targets[bt])
                losses[bt] = tg < 0 ? 0 : (m + log(sum) - x[tg])
            }
        }
    }

    /// dlogits = dloss · (probs − onehot(target)) per row (rows with target < 0 get zero).
    /// Overwrites `dlogits` (it may be the `probs` buffer itself).
    public static func crossEntropySoftmaxBackward(_ dlogits: UnsafeMutablePointer<Float>, _ dloss: Float,
                                                   _ probs: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>,
                                                   B: Int, T: Int, V: Int) {
        parallelFor(B * T, minChunk: 4) { r in
            for bt in r {
                let p = probs + bt * V, d = dlogits + bt * V
                let tg = Int(targets[bt])
                if tg < 0 { d.update(repeating: 0, count: V); continue }
                let s = V8(repeating: dloss)
                var i = 0
                while i + 8 <= V { store8(d + i, load8(p + i) * s); i += 8 }
                while i < V { d[i] = p[i] * dloss; i += 1 }
                d[tg] -= dloss
            }
        }
    }
}

extension GPTKernels {
    /// The machine's `cblas_sgemm` rate in GFLOP/s (2·n³ per product), best of `repeats`, at the
    /// current `GPTThreads` setting. The reference for model FLOP utilization.
    public static func measureSGEMM(size n: Int = 2048, repeats: Int = 3) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n),
                        1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }
}
