import Foundation

/// AdamW as `torch.optim.AdamW` (decoupled weight decay, bias correction), with weight decay only
/// on tensors of rank ≥ 2 (`ParameterTensor.decays`).
public final class AdamW {
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float
    /// Number of updates done.
    public private(set) var step: Int = 0
    /// First and second moments, arena layout.
    public private(set) var m: [Float]
    public private(set) var v: [Float]

    public init(parameterCount: Int, beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8, weightDecay: Float = 0.1) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        m = [Float](repeating: 0, count: parameterCount)
        v = [Float](repeating: 0, count: parameterCount)
    }

    /// One update of every parameter of `model` from its gradient arena, each gradient taken times
    /// `gradientScale` as it is read: pass `GradientTools.clipScale` here rather than scaling the
    /// arena first, which saves a read and a write of every gradient (the same products, so the
    /// same result to the bit). O(parameters), memory-bound: seven streams of the arena size.
    public func update<M: LanguageModel>(_ model: M, learningRate lr: Float, gradientScale: Float = 1) {
        precondition(m.count == model.parameterCount, "optimizer built for another parameter count")
        step += 1
        let b1 = beta1, b2 = beta2, eps = eps
        let bc1 = 1 - Float(pow(Double(b1), Double(step)))
        let bc2sqrt = Float((1 - pow(Double(b2), Double(step))).squareRoot())
        let stepSize = lr / bc1
        let tensors = model.parameterTensors
        model.withParameters { params in
            model.withGradients { grads in
                m.withUnsafeMutableBufferPointer { mb in
                    v.withUnsafeMutableBufferPointer { vb in
                        let pp = params.baseAddress!, gp = grads.baseAddress!, mp = mb.baseAddress!, vp = vb.baseAddress!
                        for t in tensors {
                            let decay = 1 - lr * (t.decays ? weightDecay : 0)
                            let base = t.offset, n = t.count
                            parallelFor(n / 8, minChunk: 8192) { r in
                                let dv = V8(repeating: decay), b1v = V8(repeating: b1), b2v = V8(repeating: b2)
                                let sv = V8(repeating: gradientScale)
                                let tiny = V8(repeating: Float.leastNormalMagnitude)
                                for j in r {
                                    let i = base + 8 * j
                                    let g = gradientScale == 1 ? load8(gp + i) : load8(gp + i) * sv
                                    var mm = b1v * load8(mp + i) + (1 - b1v) * g
                                    var vv = b2v * load8(vp + i) + (1 - b2v) * g * g
                                    mm.replace(with: 0, where: (mm .< tiny) .& (mm .> -tiny))
                                    vv.replace(with: 0, where: vv .< tiny)
                                    store8(mp + i, mm); store8(vp + i, vv)
                                    let denom = vv.squareRoot() / bc2sqrt + eps
                                    store8(pp + i, load8(pp + i) * dv - stepSize * mm / denom)
                                }
                            }
                            for i in (base + n / 8 * 8)..<(base + n) {
                                let g = gradientScale == 1 ? gp[i] : gp[i] * gradientScale
                                mp[i] = flushSubnormal(b1 * mp[i] + (1 - b1) * g)
                                vp[i] = flushSubnormal(b2 * vp[i] + (1 - b2) * g * g)
                                pp[i] = pp[i] * decay - stepSize * mp[i] / (vp[i].squareRoot() / bc2sqrt + eps)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Optimizer state for checkpoints: step, m, v.
    public func restore(step: Int, m: [Float], v: [Float]) {
        precondition(m.count == self.m.count && v.count == self.v.count)
        self.step = step; self.m = m; self.v = v
    }
}

/// x, or 0 where x is subnormal. The moments of a parameter whose gradient stays 0 (the
/// embedding row of a token absent from recent batches) decay by β1 and β2 every step and end
/// up subnormal: in GPTBench after 22 steps the smallest nonzero v was 4e-26, which β2 = 0.95
/// takes below 1.2e-38 in ~560 more steps. Arithmetic on subnormals takes a slow path: AdamW
/// over config B's 13.9 M parameters at 1 thread ran 25 ms with normal moments and 54–87 ms
/// with subnormal ones on the Zen 4 machine, 25 ms with them flushed (BENCHMARKS.md, GPT
/// 2026-12-03); Intel cores are known to be slower still on subnormals (not measured here).
/// The SIMD loop flushes the same way. Flushing leaves the parameters as they would be: a
/// flushed m would move p by at most (lr / bc1) · 1.2e-38 / eps, ~1e-30 · lr / bc1, and a
/// flushed v changes the denominator √v / bc2 + eps (eps = 1e-8) by < 1e-11 of itself, both
/// far below a float's rounding of any weight above ~1e-20.
@inline(__always) private func flushSubnormal(_ x: Float) -> Float { x.isSubnormal ? 0 : x }

public enum GradientTools {
    /// L2 norm of the whole gradient arena (accumulated in Double per chunk).
    public static func norm<M: LanguageModel>(_ model: M) -> Float {
        model.withGradients { g in
            let n = g.count, gp = g.baseAddress!
            let t = max(1, GPTThreads.current)
            var partial = [Double](repeating: 0, count: t)
            partial.withUnsafeMutableBufferPointer { pb in
                let pbp = pb.baseAddress!
                let chunks = min(t, max(1, n / 65536))
                parallelFor(chunks) { r in
                    for k in r {
                        let lo = n * k / chunks, hi = n * (k + 1) / chunks
                        var acc: Double = 0
                        var i = lo
                        while i < hi {
                            let e = min(hi, i + 4096)
                            var s = V8(); var tail: Float = 0
                            var j = i
                            while j + 8 <= e { let x = load8(gp + j); s += x * x; j += 8 }
                            while j < e { tail += gp[j] * gp[j]; j += 1 }
                            acc += Double(s.sum() + tail)
                            i = e
                        }
                        pbp[k] = acc
                    }
                }
            }
            return Float(partial.reduce(0, +).squareRoot())
        }
    }

    /// The factor `torch.nn.utils.clip_grad_norm_` scales gradients of norm `norm` by so that
    /// theirs is at most `maxNorm`: maxNorm / (norm + 1e-6) when that is below 1, else 1.
    public static func clipScale(norm: Float, maxNorm: Float) -> Float {
        let coef = maxNorm / (norm + 1e-6)
        return coef < 1 ? coef : 1
    }

    /// Scales the gradients so their norm is at most `maxNorm` (as `torch.nn.utils.clip_grad_norm_`:
    /// factor maxNorm / (norm + 1e-6) when below 1). Returns the norm before clipping. A training
    /// loop does better to pass `clipScale` to `AdamW.update` (one pass fewer over the gradients).
    @discardableResult
    public static func clip<M: LanguageModel>(_ model: M, maxNorm: Float) -> Float {
        let total = norm(model)
        let coef = clipScale(norm: total, maxNorm: maxNorm)
        if coef < 1 {
            model.withGradients { g in
                let gp = g.baseAddress!, n = g.count
                parallelFor(n, minChunk: 65536) { r in for i in r { gp[i] *= coef } }
            }
        }
        return total
    }
}

/// Learning-rate schedule as nanoGPT: linear warmup to `maxLR` over `warmupSteps`, cosine decay to
/// `minLR` at `decaySteps`, `minLR` after.
public struct LRSchedule: Sendable, Hashable, Codable {
    public var maxLR: Float
    public var minLR: Float
    public var warmupSteps: Int
    public var decaySteps: Int

    public init(maxLR: Float, minLR: Float, warmupSteps: Int, decaySteps: Int) {
        self.maxLR = maxLR; self.minLR = minLR; self.warmupSteps = warmupSteps; self.decaySteps = decaySteps
    }

    /// Learning rate for step `step` (0-based).
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return maxLR * Float(step + 1) / Float(warmupSteps) }
        if step >= decaySteps { return minLR }
        let ratio = Double(step - warmupSteps) / Double(max(1, decaySteps - warmupSteps))
        let coeff = 0.5 * (1 + cos(Double.pi * ratio))
        return minLR + Float(coeff) * (maxLR - minLR)
    }
}
