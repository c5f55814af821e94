import GPTModule
import Testing
import TokenmillSupport

/// Finite-difference checks of each layer's backward on its own: loss = Σ out ⊙ R for a fixed
/// random R, central differences (h = 1e-2, float32 kernels, loss summed in Double).
@Suite struct GradientCheckTests {
    static func randoms(_ n: Int, _ rng: inout SplitMix64, scale: Float = 1) -> [Float] {
        (0..<n).map { _ in rng.nextGaussian() * scale }
    }

    /// `inputs[k]` are perturbed one element at a time; `forward` returns the layer output;
    /// `backward(inputs, dout)` returns the analytic gradients of every input.
    static func check(_ name: String, inputs: [[Float]], outCount: Int,
                      forward: ([[Float]]) -> [Float],
                      backward: ([[Float]], [Float]) -> [[Float]]) {
        var rng = SplitMix64(seed: 99)
        let R = randoms(outCount, &rng)
        func loss(_ x: [[Float]]) -> Double {
            zip(forward(x), R).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let analytic = backward(inputs, R)
        let h: Float = 1e-2
        var worst: Double = 0
        for k in inputs.indices {
            for i in inputs[k].indices {
                var xp = inputs, xm = inputs
                xp[k][i] += h; xm[k][i] -= h
                let num = (loss(xp) - loss(xm)) / Double(2 * h)
                let ana = Double(analytic[k][i])
                let err = abs(num - ana) / max(abs(num), abs(ana), 1e-2)
                worst = max(worst, err)
            }
        }
        print("GPT gradcheck \(name): max relative error \(worst)")
        #expect(worst < 1e-2, "\(name)")
    }

    let B = 2, T = 5, C = 16

    @Test func encoder() {
        var rng = SplitMix64(seed: 1)
        let V = 7, maxT = 6
        let inp: [Int32] = [1, 3, 3, 0, 6, 2, 1, 1, 5, 4]
        let pos: [Int32] = [0, 1, 2, 0, 1, 0, 1, 2, 3, 4]
        let (B, T, C) = (self.B, self.T, self.C)
        Self.check("encoder", inputs: [Self.randoms(V * C, &rng), Self.randoms(maxT * C, &rng)], outCount: B * T * C,
                   forward: { x in
                       var out = [Float](repeating: 0, count: B * T * C)
                       GPTKernels.encoderForward(&out, inp, pos, x[0], x[1], B: B, T: T, C: C)
                       return out
                   }, backward: { x, d in
                       var dwte = [Float](repeating: 0, count: V * C), dwpe = [Float](repeating: 0, count: maxT * C)
                       GPTKernels.encoderBackward(&dwte, &dwpe, d, inp, pos, B: B, T: T, C: C)
                       return [dwte, dwpe]
                   })
    }

    @Test func layernorm() {
        var rng = SplitMix64(seed: 2)
        let (B, T, C) = (self.B, self.T, 12)  // C not a multiple of 8: exercises the scalar tails
        Self.check("layernorm", inputs: [Self.randoms(B * T * C, &rng), Self.randoms(C, &rng), Self.randoms(C, &rng)],
                   outCount: B * T * C,
                   forward: { x in
                       var out = [Float](repeating: 0, count: B * T * C)
                       var mean = [Float](repeating: 0, count: B * T), rstd = mean
                       GPTKernels.layernormForward(&out, &mean, &rstd, x[0], x[1], x[2], B: B, T: T, C: C)
                       return out
                   }, backward: { x, d in
                       var out = [Float](repeating: 0, count: B * T * C)
                       var mean = [Float](repeating: 0, count: B * T), rstd = mean
                       GPTKernels.layernormForward(&out, &mean, &rstd, x[0], x[1], x[2], B: B, T: T, C: C)
                       var dx = [Float](repeating: 0, count: B * T * C), dw = [Float](repeating: 0, count: C), db = dw
                       GPTKernels.layernormBackward(&dx, &dw, &db, d, x[0], x[1], mean, rstd, B: B, T: T, C: C)
                       return [dx, dw, db]
                   })
    }

    @Test func matmul() {
        var rng = SplitMix64(seed: 3)
        let (B, T, C, OC) = (self.B, self.T, self.C, 12)
        Self.check("matmul", inputs: [Self.randoms(B * T * C, &rng), Self.randoms(OC * C, &rng), Self.randoms(OC, &rng)],
                   outCount: B * T * OC,
                   forward: { x in
                       var out = [Float](repeating: 0, count: B * T * OC)
                       GPTKernels.matmulForward(&out, x[0], x[1], x[2], B: B, T: T, C: C, OC: OC)
                       return out
                   }, backward: { x, d in
                       var dx = [Float](repeating: 0, count: B * T * C), dw = [Float](repeating: 0, count: OC * C)
                       var db = [Float](repeating: 0, count: OC)
                       GPTKernels.matmulBackward(&dx, &dw, &db, d, x[0], x[1], B: B, T: T, C: C, OC: OC)
                       return [dx, dw, db]
                   })
    }

    @Test func attention() {
        var rng = SplitMix64(seed: 4)
        let (B, T, C, NH) = (self.B, 11, self.C, 2)  // T = 11: rows shorter and longer than 8
        Self.check("attention", inputs: [Self.randoms(B * T * 3 * C, &rng)], outCount: B * T * C,
                   forward: { x in
                       var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
                       GPTKernels.attentionForward(&out, &att, x[0], B: B, T: T, C: C, NH: NH)
                       return out
                   }, backward: { x, d in
                       var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
                       GPTKernels.attentionForward(&out, &att, x[0], B: B, T: T, C: C, NH: NH)
                       var dx = [Float](repeating: 0, count: B * T * 3 * C), datt = att
                       GPTKernels.attentionBackward(&dx, &datt, d, x[0], att, B: B, T: T, C: C, NH: NH)
                       return [dx]
                   })
    }

    @Test func gelu() {
        var rng = SplitMix64(seed: 5)
        let N = 37
        Self.check("gelu", inputs: [Self.randoms(N, &rng, scale: 2)], outCount: N,
                   forward: { x in
                       var out = [Float](repeating: 0, count: N)
                       GPTKernels.geluForward(&out, x[0], N: N)
                       return out
                   }, backward: { x, d in
                       var dx = [Float](repeating: 0, count: N)
                       GPTKernels.geluBackward(&dx, x[0], d, N: N)
                       return [dx]
                   })
    }

    @Test func residual() {
        var rng = SplitMix64(seed: 6)
        let N = 29
        Self.check("residual", inputs: [Self.randoms(N, &rng), Self.randoms(N, &rng)], outCount: N,
                   forward: { x in
                       var out = [Float](repeating: 0, count: N)
                       GPTKernels.residualForward(&out, x[0], x[1], N: N)
                       return out
                   }, backward: { x, d in
                       var d1 = [Float](repeating: 0, count: N), d2 = d1
                       GPTKernels.residualBackward(&d1, &d2, d, N: N)
                       return [d1, d2]
                   })
    }

    @Test func softmaxCrossEntropy() {
        var rng = SplitMix64(seed: 7)
        let (B, T, V) = (2, 3, 19)
        let targets: [Int32] = [3, 0, 18, -1, 7, 7]
        // out = losses; with R as dloss per position. The kernel takes one scalar dloss, so use
        // R = 1 everywhere except ignored positions (checked through a sum).
        var logits = Self.randoms(B * T * V, &rng, scale: 2)
        logits[5] = 30  // large logit: exercises the max-subtraction
        let losses = { (x: [Float]) -> [Float] in
            var l = [Float](repeating: 0, count: B * T), p = [Float](repeating: 0, count: B * T * V)
            GPTKernels.softmaxCrossEntropyForward(&l, &p, x, targets, B: B, T: T, V: V)
            return l
        }
        let h: Float = 1e-2
        var p = [Float](repeating: 0, count: B * T * V), l = [Float](repeating: 0, count: B * T)
        GPTKernels.softmaxCrossEntropyForward(&l, &p, logits, targets, B: B, T: T, V: V)
        var dlogits = [Float](repeating: 0, count: B * T * V)
        GPTKernels.crossEntropySoftmaxBackward(&dlogits, 0.5, p, targets, B: B, T: T, V: V)
        var worst: Double = 0
        for i in logits.indices {
            var xp = logits, xm = logits
            xp[i] += h; xm[i] -= h
            let num = 0.5 * (losses(xp).reduce(0.0) { $0 + Double($1) } - losses(xm).reduce(0.0) { $0 + Double($1) }) / Double(2 * h)
            worst = max(worst, abs(num - Double(dlogits[i])) / max(abs(num), abs(Double(dlogits[i])), 1e-2))
        }
        print("GPT gradcheck softmax+cross-entropy: max relative error \(worst)")
        #expect(worst < 1e-2)
        #expect(l[3] == 0)
        #expect(dlogits[(3 * V)..<(4 * V)].allSatisfy { $0 == 0 })
    }

    // The variants GPT.forward/backward really call (Sources/GPT/GPT.swift): the projection with
    // the residual folded in, the backward that overwrites its input gradient and scales by the
    // loss scale, GELU and attention backward that overwrite, and cross-entropy that writes the
    // logits' gradient in the forward. The gradient buffers start filled with a value the
    // overwriting kernels must not keep.

    static let stale: Float = 7.5

    @Test func matmulWithResidualAsTheBlocksCallIt() {
        var rng = SplitMix64(seed: 8)
        let (B, T, C, OC) = (self.B, self.T, self.C, 12)
        Self.check("matmul + residual", inputs: [Self.randoms(B * T * C, &rng), Self.randoms(OC * C, &rng),
                                                 Self.randoms(OC, &rng), Self.randoms(B * T * OC, &rng)],
                   outCount: B * T * OC,
                   forward: { x in
                       var out = [Float](repeating: 0, count: B * T * OC)
                       GPTKernels.matmulForward(&out, x[0], x[1], x[2], adding: x[3], B: B, T: T, C: C, OC: OC)
                       return out
                   }, backward: { x, d in
                       var dx = [Float](repeating: Self.stale, count: B * T * C), dw = [Float](repeating: 0, count: OC * C)
                       var db = [Float](repeating: 0, count: OC)
                       GPTKernels.matmulBackward(&dx, &dw, &db, d, x[0], x[1], B: B, T: T, C: C, OC: OC, accumulateInput: false)
                       return [dx, dw, db, d]   // the residual's gradient is dout itself (GPT.backward passes it on)
                   })
    }

    @Test func languageModelHeadWithLossScale() {
        var rng = SplitMix64(seed: 9)
        let (B, T, C, V) = (self.B, self.T, self.C, 23)
        let alpha: Float = 0.25
        Self.check("LM head (no bias, alpha)", inputs: [Self.randoms(B * T * C, &rng), Self.randoms(V * C, &rng)],
                   outCount: B * T * V,
                   forward: { x in
                       var out = [Float](repeating: 0, count: B * T * V)
                       GPTKernels.matmulForward(&out, x[0], x[1], nil, B: B, T: T, C: C, OC: V)
                       return out
                   }, backward: { x, d in
                       // alpha scales dout inside both products: pass dout / alpha to get the gradient of Σ out ⊙ d.
                       var dx = [Float](repeating: Self.stale, count: B * T * C), dw = [Float](repeating: 0, count: V * C)
                       GPTKernels.matmulBackward(&dx, &dw, nil, d.map { $0 / alpha }, x[0], x[1], B: B, T: T, C: C, OC: V,
                                                 accumulateInput: false, alpha: alpha)
                       return [dx, dw]
                   })
    }

    @Test func geluBackwardThatOverwrites() {
        var rng = SplitMix64(seed: 10)
        let N = 45
        Self.check("gelu (overwrite)", inputs: [Self.randoms(N, &rng, scale: 2)], outCount: N,
                   forward: { x in
                       var out = [Float](repeating: 0, count: N)
                       GPTKernels.geluForward(&out, x[0], N: N)
                       return out
                   }, backward: { x, d in
                       var dx = [Float](repeating: Self.stale, count: N)
                       GPTKernels.geluBackward(&dx, x[0], d, N: N, accumulate: false)
                       return [dx]
                   })
    }

    @Test func attentionBackwardThatOverwrites() {
        var rng = SplitMix64(seed: 11)
        let (B, T, C, NH) = (self.B, 37, self.C, 2)  // T = 37: more than one attention block of 32
        Self.check("attention (overwrite)", inputs: [Self.randoms(B * T * 3 * C, &rng)], outCount: B * T * C,
                   forward: { x in
                       var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
                       GPTKernels.attentionForward(&out, &att, x[0], B: B, T: T, C: C, NH: NH)
                       return out
                   }, backward: { x, d in
                       var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
                       GPTKernels.attentionForward(&out, &att, x[0], B: B, T: T, C: C, NH: NH)
                       var dx = [Float](repeating: Self.stale, count: B * T * 3 * C), datt = att
                       GPTKernels.attentionBackward(&dx, &datt, d, x[0], att, B: B, T: T, C: C, NH: NH, accumulate: false)
                       return [dx]
                   })
    }

    /// The training forward's cross-entropy: `probs` receives probs − onehot(target), the gradient
    /// of the summed loss, with zero rows where the target is ignored.
    @Test func crossEntropyGradientWrittenByTheForward() {
        var rng = SplitMix64(seed: 12)
        let (B, T, V) = (2, 3, 19)
        let targets: [Int32] = [3, 0, 18, -1, 7, 7]
        var logits = Self.randoms(B * T * V, &rng, scale: 2)
        logits[5] = 30
        func summedLoss(_ x: [Float]) -> Double {
            var l = [Float](repeating: 0, count: B * T), p = [Float](repeating: 0, count: B * T * V)
            GPTKernels.softmaxCrossEntropyForward(&l, &p, x, targets, B: B, T: T, V: V)
            return l.reduce(0.0) { $0 + Double($1) }
        }
        var l = [Float](repeating: Self.stale, count: B * T), dlogits = [Float](repeating: Self.stale, count: B * T * V)
        GPTKernels.softmaxCrossEntropyForward(&l, &dlogits, logits, targets, B: B, T: T, V: V, gradient: true)
        let h: Float = 1e-2
        var worst: Double = 0
        for i in logits.indices {
            var xp = logits, xm = logits
            xp[i] += h; xm[i] -= h
            let num = (summedLoss(xp) - summedLoss(xm)) / Double(2 * h)
            worst = max(worst, abs(num - Double(dlogits[i])) / max(abs(num), abs(Double(dlogits[i])), 1e-2))
        }
        print("GPT gradcheck cross-entropy gradient in the forward: max relative error \(worst)")
        #expect(worst < 1e-2)
        #expect(l[3] == 0 && dlogits[(3 * V)..<(4 * V)].allSatisfy { $0 == 0 })
        var plain = [Float](repeating: 0, count: B * T), probs = [Float](repeating: 0, count: B * T * V)
        GPTKernels.softmaxCrossEntropyForward(&plain, &probs, logits, targets, B: B, T: T, V: V)
        #expect(l == plain)   // the losses are the same whether or not the gradient is written
    }
}
