import Dispatch
import GPTModule
import TokenmillSupport

/// `GPTBench --kernels`: every kernel of one training step timed on its own, on one layer's
/// shapes (and the LM head's), fastest of `repeats` calls after `warmup`, at the current
/// `GPTThreads` setting. Products are also given in GFLOP/s. What it is for: when the step is
/// slower on one CPU than on another (or against PyTorch), the per-kernel times say which part
/// lost, where the forward / backward / optimizer totals cannot. The step estimate (layers ×
/// one layer + head + optimizer) runs a little below the real step, which also writes
/// activations of every layer (more memory traffic) and clears the gradients.
enum KernelTimes {
    static func measure(_ cfg: GPTConfig, batch B: Int, context T: Int, repeats: Int, warmup: Int) throws -> [String: Any] {
        let C = cfg.channels, NH = cfg.heads, V = cfg.vocabSize, L = cfg.layers, N = B * T
        var rng = SplitMix64(seed: 11)
        func buffer(_ n: Int, scale: Float = 1) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            for i in 0..<n { p[i] = rng.nextGaussian() * scale }
            return p
        }
        // One layer's activations and weights, random; scratch gradients.
        let x = buffer(N * C), ln = buffer(N * C), mean = buffer(N), rstd = buffer(N, scale: 0.1)
        let qkv = buffer(N * 3 * C), atty = buffer(N * C), att = buffer(B * NH * T * T)
        let fch = buffer(N * 4 * C), fchg = buffer(N * 4 * C), out = buffer(N * C)
        let w3 = buffer(3 * C * C, scale: 0.02), w1 = buffer(C * C, scale: 0.02), w4 = buffer(4 * C * C, scale: 0.02)
        let wp = buffer(4 * C * C, scale: 0.02), wte = buffer(V * C, scale: 0.02), bias = buffer(4 * C, scale: 0.02)
        let lnw = buffer(C), lnb = buffer(C)
        let d1 = buffer(N * C), dln = buffer(N * C), datty = buffer(N * C), d3 = buffer(N * 3 * C), d4 = buffer(N * 4 * C), d4b = buffer(N * 4 * C)
        let datt = buffer(B * NH * T * T), gw = buffer(V * C), gb = buffer(4 * C), gln = buffer(2 * C)
        let logits = buffer(N * V), probs = buffer(N * V), losses = buffer(N)
        let targets = UnsafeMutablePointer<Int32>.allocate(capacity: N)
        for i in 0..<N { targets[i] = Int32(rng.next() % UInt64(V)) }
        let all = [x, ln, mean, rstd, qkv, atty, att, fch, fchg, out, w3, w1, w4, wp, wte, bias, lnw, lnb,
                   d1, dln, datty, d3, d4, d4b, datt, gw, gb, gln, logits, probs, losses]
        defer { all.forEach { $0.deallocate() }; targets.deallocate() }
        // The attention kernels write their probabilities; the backward needs the forward's.
        GPTKernels.attentionForward(atty, att, qkv, B: B, T: T, C: C, NH: NH)

        var ms: [String: Double] = [:], order: [String] = []
        var gflops: [String: Double] = [:]
        func time(_ name: String, flops: Double = 0, _ body: () -> Void) {
            var best = Double.infinity
            for i in 0..<(warmup + repeats) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                body()
                let t = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                if i >= warmup { best = min(best, t) }
            }
            ms[name] = best; order.append(name)
            if flops > 0 { gflops[name] = flops / best / 1e6 }
        }
        let f = 2 * Double(N * C)  // flops of a product per unit of (output width × inner / C)
        // Forward of one layer, in the model's order.
        time("ln1.forward") { GPTKernels.layernormForward(ln, mean, rstd, x, lnw, lnb, B: B, T: T, C: C) }
        time("qkv.forward", flops: f * Double(3 * C)) { GPTKernels.matmulForward(qkv, ln, w3, bias, B: B, T: T, C: C, OC: 3 * C) }
        time("attention.forward") { GPTKernels.attentionForward(atty, att, qkv, B: B, T: T, C: C, NH: NH) }
        time("attproj.forward", flops: f * Double(C)) { GPTKernels.matmulForward(out, atty, w1, bias, adding: x, B: B, T: T, C: C, OC: C) }
        time("ln2.forward") { GPTKernels.layernormForward(ln, mean, rstd, out, lnw, lnb, B: B, T: T, C: C) }
        time("fc.forward", flops: f * Double(4 * C)) { GPTKernels.matmulForward(fch, ln, w4, bias, B: B, T: T, C: C, OC: 4 * C) }
        time("gelu.forward") { GPTKernels.geluForward(fchg, fch, N: N * 4 * C) }
        time("fcproj.forward", flops: f * Double(4 * C)) { GPTKernels.matmulForward(out, fchg, wp, bias, adding: x, B: B, T: T, C: 4 * C, OC: C) }
        // Backward of one layer, in the model's order (scratch gradients overwritten, as GPT does).
        time("fcproj.backward", flops: 2 * f * Double(4 * C)) {
            GPTKernels.matmulBackward(d4, gw, gb, d1, fchg, wp, B: B, T: T, C: 4 * C, OC: C, accumulateInput: false)
        }
        time("gelu.backward") { GPTKernels.geluBackward(d4b, fch, d4, N: N * 4 * C, accumulate: false) }
        time("fc.backward", flops: 2 * f * Double(4 * C)) {
            GPTKernels.matmulBackward(dln, gw, gb, d4b, ln, w4, B: B, T: T, C: C, OC: 4 * C, accumulateInput: false)
        }
        time("ln2.backward") { GPTKernels.layernormBackward(d1, gln, gln + C, dln, out, lnw, mean, rstd, B: B, T: T, C: C) }
        time("attproj.backward", flops: 2 * f * Double(C)) {
            GPTKernels.matmulBackward(datty, gw, gb, d1, atty, w1, B: B, T: T, C: C, OC: C, accumulateInput: false)
        }
        time("attention.backward") {
            GPTKernels.attentionBackward(d3, datt, datty, qkv, att, B: B, T: T, C: C, NH: NH, accumulate: false)
        }
        time("qkv.backward", flops: 2 * f * Double(3 * C)) {
            GPTKernels.matmulBackward(dln, gw, gb, d3, ln, w3, B: B, T: T, C: C, OC: 3 * C, accumulateInput: false)
        }
        time("ln1.backward") { GPTKernels.layernormBackward(d1, gln, gln + C, dln, x, lnw, mean, rstd, B: B, T: T, C: C) }
        // The head: final LayerNorm is one more layernorm; LM head, cross-entropy and its gradient.
        time("lmhead.forward", flops: f * Double(V)) { GPTKernels.matmulForward(logits, ln, wte, nil, B: B, T: T, C: C, OC: V) }
        time("crossentropy.forward") {
            GPTKernels.softmaxCrossEntropyForward(losses, probs, logits, targets, B: B, T: T, V: V, gradient: true)
        }
        time("lmhead.backward", flops: 2 * f * Double(V)) {
            GPTKernels.matmulBackward(d1, gw, nil, probs, ln, wte, B: B, T: T, C: C, OC: V, accumulateInput: false, alpha: 1 / Float(N))
        }
        // The optimizer over the whole model, as the step does it: gradient norm, AdamW.
        let model = try GPT(config: cfg, seed: 0)
        let opt = AdamW(parameterCount: model.parameterCount)
        time("optimizer") {
            let norm = GradientTools.norm(model)
            opt.update(model, learningRate: 3e-4, gradientScale: GradientTools.clipScale(norm: norm, maxNorm: 1))
        }

        let layerF = order.filter { $0.hasSuffix(".forward") && !$0.hasPrefix("lmhead") && !$0.hasPrefix("crossentropy") }
        let layerB = order.filter { $0.hasSuffix(".backward") && !$0.hasPrefix("lmhead") }
        let sum = { (names: [String]) in names.reduce(0.0) { $0 + ms[$1]! } }
        let products = order.filter { gflops[$0] != nil && !$0.hasPrefix("lmhead") }
        let forward = Double(L) * sum(layerF) + ms["ln1.forward"]! + ms["lmhead.forward"]! + ms["crossentropy.forward"]!
        let backward = Double(L) * sum(layerB) + ms["ln1.backward"]! + ms["lmhead.backward"]!
        return ["kernel_ms": ms, "kernel_order": order, "product_gflops": gflops,
                "layer_forward_ms": sum(layerF), "layer_backward_ms": sum(layerB),
                "layer_product_ms": sum(products),
                "estimate_ms_forward": forward, "estimate_ms_backward": backward, "estimate_ms_optimizer": ms["optimizer"]!,
                "attention_block": GPTKernels.attentionBlock(sequenceLength: T, headSize: C / NH)]
    }
}
