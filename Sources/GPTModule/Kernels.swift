internal import COpenBLAS
import Foundation

/// The layer kernels, in llm.c's `train_gpt2.c` style: each layer is a forward/backward pair,
/// row-major float32 buffers, shapes named B (batch), T (time), C (channels), OC (output
/// channels), V (vocabulary), NH (heads). Backward functions *accumulate* (`+=`) into their
/// gradient outputs, except where noted. Work is spread over `GPTThreads.current` threads; every
/// matrix product goes through OpenBLAS `cblas_sgemm` (GPTKernels+Products.swift).
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
        matmulForward(out, inp, weight, bias, adding: nil, B: B, T: T, C: C, OC: OC)
    }

    /// As above, plus `residual[BT, OC]` when given: a projection and the residual connection
    /// after it in one pass less than `matmulForward` + `residualForward` (the sum starts as
    /// residual + bias instead of bias, and the product accumulates onto it).
    package static func matmulForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                              _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                              adding residual: UnsafePointer<Float>?, B: Int, T: Int, C: Int, OC: Int) {
        let N = B * T
        if bias != nil || residual != nil {
            parallelFor(N, minChunk: 64) { r in
                for bt in r {
                    let o = out + bt * OC
                    o.update(from: residual.map { $0 + bt * OC } ?? bias!, count: OC)
                    guard residual != nil, let bias else { continue }
                    var i = 0
                    while i + 8 <= OC { store8(o + i, load8(o + i) + load8(bias + i)); i += 8 }
                    while i < OC { o[i] += bias[i]; i += 1 }
                }
            }
        }
        product(false, true, N, OC, C, 1, inp, C, weight, C, bias == nil && residual == nil ? 0 : 1, out, OC)
    }

    /// dinp += dout · weight, dweight += doutᵀ · inp, dbias += Σ_rows dout.
    public static func matmulBackward(_ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
                                      _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
                                      _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                      B: Int, T: Int, C: Int, OC: Int) {
        matmulBackward(dinp, dweight, dbias, dout, inp, weight, B: B, T: T, C: C, OC: OC, accumulateInput: true)
    }

    /// As above; with `accumulateInput` false, `dinp` is overwritten (sgemm with β = 0), which
    /// saves the caller clearing it and sgemm reading it. `alpha` scales `dout` (both products;
    /// not the bias gradient, so only for a layer without bias).
    package static func matmulBackward(_ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
                               _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
                               _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                               B: Int, T: Int, C: Int, OC: Int, accumulateInput: Bool, alpha: Float = 1) {
        let N = B * T
        product(false, false, N, C, OC, alpha, dout, OC, weight, C, accumulateInput ? 1 : 0, dinp, C)
        product(true, false, OC, C, N, alpha, dout, OC, inp, C, 1, dweight, C)
        if let dbias { biasBackward(dbias, dout, N: N, OC: OC) }
    }

    /// dbias[o] += Σ_rows dout[row, o]. Rows are split over the threads, each adding its rows into a
    /// private vector (contiguous reads, the vector stays in L1); the vectors are then added in
    /// thread order, so the sum is the same for a given thread count. O(N·OC).
    static func biasBackward(_ dbias: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, N: Int, OC: Int) {
        let chunks = min(GPTThreads.current, max(1, N / 64))
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: chunks * OC)
        partial.initialize(repeating: 0, count: chunks * OC)
        defer { partial.deallocate() }
        parallelFor(chunks) { r in
            for k in r {
                let acc = partial + k * OC
                for row in (N * k / chunks)..<(N * (k + 1) / chunks) {
                    let d = dout + row * OC
                    var i = 0
                    while i + 8 <= OC { store8(acc + i, load8(acc + i) + load8(d + i)); i += 8 }
                    while i < OC { acc[i] += d[i]; i += 1 }
                }
            }
        }
        for k in 0..<chunks {
            let acc = partial + k * OC
            for i in 0..<OC { dbias[i] += acc[i] }
        }
    }

    // MARK: attention — see GPTKernels+Attention.swift

    // MARK: GELU (tanh approximation, as GPT-2)

    static let geluScale: Float = 0.7978845608028654  // sqrt(2/π)

    /// tanh(√(2/π)·(x + 0.044715·x³)), the GELU's inner tanh.
    @inline(__always) static func geluTanh(_ x: V8) -> V8 {
        let u = V8(repeating: geluScale) * x * fma8(V8(repeating: 0.044715), x * x, V8(repeating: 1))
        return vtanh(u)
    }

    public static func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, N: Int) {
        parallelFor(N / 8, minChunk: 1024) { r in
            for j in r {
                let x = load8(inp + 8 * j)
                let hx = 0.5 * x
                store8(out + 8 * j, fma8(hx, geluTanh(x), hx))  // 0.5·x·(1 + tanh(u))
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
    package static func geluBackward(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                             _ dout: UnsafePointer<Float>, N: Int, accumulate: Bool) {
        @inline(__always) func grad(_ x: V8) -> V8 {
            let t = geluTanh(x)
            let half = V8(repeating: 0.5)
            let sech2 = fma8(-t, t, V8(repeating: 1))
            let du = V8(repeating: geluScale) * fma8(V8(repeating: 3 * 0.044715), x * x, V8(repeating: 1))
            // 0.5·(1 + t) + 0.5·x·(1 − t²)·du/dx
            return fma8(half * x * sech2, du, fma8(half, t, half))
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
        softmaxCrossEntropyForward(losses, probs, logits, targets, B: B, T: T, V: V, gradient: false)
    }

    /// As above; with `gradient` true, `probs` receives probs − onehot(target) instead (zero rows
    /// where target < 0): the gradient of the summed loss with respect to the logits. The training
    /// forward writes that, and backward folds the loss scale into the two LM-head products
    /// (their alpha), so no pass of its own goes over the B·T·V buffer.
    package static func softmaxCrossEntropyForward(_ losses: UnsafeMutablePointer<Float>, _ probs: UnsafeMutablePointer<Float>,
                                           _ logits: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>,
                                           B: Int, T: Int, V: Int, gradient: Bool) {
        parallelFor(B * T, minChunk: 4) { r in
            for bt in r {
                let x = logits + bt * V, p = probs + bt * V
                let tg = Int(targets[bt])
                if gradient && tg < 0 { losses[bt] = 0; p.update(repeating: 0, count: V); continue }
                let (m, sum) = softmaxRow(x, into: p, count: V)
                losses[bt] = tg < 0 ? 0 : (m + log(sum) - x[tg])
                if gradient { p[tg] -= 1 }
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
