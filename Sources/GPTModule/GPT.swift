import Foundation
import TokenmillSupport

/// Offsets (in floats) of the parameter tensors in the arena, llm.c order:
/// wte, wpe, ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb, lnfw, lnfb.
struct GPTParameterLayout {
    var wte = 0, wpe = 0, ln1w = 0, ln1b = 0, qkvw = 0, qkvb = 0, attprojw = 0, attprojb = 0
    var ln2w = 0, ln2b = 0, fcw = 0, fcb = 0, fcprojw = 0, fcprojb = 0, lnfw = 0, lnfb = 0
    var totalCount = 0
    var tensors: [ParameterTensor] = []
    /// The tensors' ranges in the order backward finishes them (for `GPT.gradientsReady`): the
    /// final LayerNorm, block l (llm.c's layout keeps a block's twelve tensors apart), the embeddings.
    var finalNormRanges: [Range<Int>] = [], blockRanges: [[Range<Int>]] = [], embeddingRanges: [Range<Int>] = []

    init(config: GPTConfig) {
        let V = config.vocabSize, maxT = config.contextLength, L = config.layers, C = config.channels
        var off = 0
        func take(_ n: Int) -> Int { defer { off += n }; return off }
        wte = take(V * C); wpe = take(maxT * C)
        ln1w = take(L * C); ln1b = take(L * C)
        qkvw = take(L * 3 * C * C); qkvb = take(L * 3 * C)
        attprojw = take(L * C * C); attprojb = take(L * C)
        ln2w = take(L * C); ln2b = take(L * C)
        fcw = take(L * 4 * C * C); fcb = take(L * 4 * C)
        fcprojw = take(L * C * 4 * C); fcprojb = take(L * C)
        lnfw = take(C); lnfb = take(C)
        totalCount = off

        var t: [ParameterTensor] = [
            .init(name: "transformer.wte.weight", shape: [V, C], offset: wte),
            .init(name: "transformer.wpe.weight", shape: [maxT, C], offset: wpe),
        ]
        for l in 0..<L {
            let p = "transformer.h.\(l)."
            t += [
                .init(name: p + "ln_1.weight", shape: [C], offset: ln1w + l * C),
                .init(name: p + "ln_1.bias", shape: [C], offset: ln1b + l * C),
                .init(name: p + "attn.c_attn.weight", shape: [3 * C, C], offset: qkvw + l * 3 * C * C),
                .init(name: p + "attn.c_attn.bias", shape: [3 * C], offset: qkvb + l * 3 * C),
                .init(name: p + "attn.c_proj.weight", shape: [C, C], offset: attprojw + l * C * C),
                .init(name: p + "attn.c_proj.bias", shape: [C], offset: attprojb + l * C),
                .init(name: p + "ln_2.weight", shape: [C], offset: ln2w + l * C),
                .init(name: p + "ln_2.bias", shape: [C], offset: ln2b + l * C),
                .init(name: p + "mlp.c_fc.weight", shape: [4 * C, C], offset: fcw + l * 4 * C * C),
                .init(name: p + "mlp.c_fc.bias", shape: [4 * C], offset: fcb + l * 4 * C),
                .init(name: p + "mlp.c_proj.weight", shape: [C, 4 * C], offset: fcprojw + l * 4 * C * C),
                .init(name: p + "mlp.c_proj.bias", shape: [C], offset: fcprojb + l * C),
            ]
        }
        t += [
            .init(name: "transformer.ln_f.weight", shape: [C], offset: lnfw),
            .init(name: "transformer.ln_f.bias", shape: [C], offset: lnfb),
        ]
        tensors = t.sorted { $0.offset < $1.offset }
        func ranges(_ prefix: String) -> [Range<Int>] { t.filter { $0.name.hasPrefix(prefix) }.map { $0.offset..<($0.offset + $0.count) } }
        finalNormRanges = ranges("transformer.ln_f.")
        blockRanges = (0..<L).map { ranges("transformer.h.\($0).") }
        embeddingRanges = ranges("transformer.wte.") + ranges("transformer.wpe.")
    }
}

/// Offsets of the activations for one (B, T), in one arena; and of the backward scratch.
struct GPTActivationLayout {
    var encoded = 0, ln1 = 0, ln1Mean = 0, ln1Rstd = 0, qkv = 0, atty = 0, att = 0, residual2 = 0
    var ln2 = 0, ln2Mean = 0, ln2Rstd = 0, fch = 0, fchGelu = 0, residual3 = 0
    var lnf = 0, lnfMean = 0, lnfRstd = 0, logits = 0, probs = 0, losses = 0
    var totalCount = 0
    // backward scratch (a second arena)
    var dres = 0, dln = 0, dqkv = 0, datty = 0, datt = 0, dfch = 0, dfchGelu = 0
    var gradTotalCount = 0

    init(config: GPTConfig, B: Int, T: Int) {
        let L = config.layers, C = config.channels, NH = config.heads, V = config.vocabSize
        let BT = B * T, BTC = BT * C
        var off = 0
        func take(_ n: Int) -> Int { defer { off += n }; return off }
        encoded = take(BTC)
        ln1 = take(L * BTC); ln1Mean = take(L * BT); ln1Rstd = take(L * BT)
        qkv = take(L * 3 * BTC); atty = take(L * BTC); att = take(L * B * NH * T * T)
        residual2 = take(L * BTC)
        ln2 = take(L * BTC); ln2Mean = take(L * BT); ln2Rstd = take(L * BT)
        fch = take(L * 4 * BTC); fchGelu = take(L * 4 * BTC); residual3 = take(L * BTC)
        lnf = take(BTC); lnfMean = take(BT); lnfRstd = take(BT)
        logits = take(BT * V); probs = take(BT * V); losses = take(BT)
        totalCount = off
        off = 0
        dres = take(BTC); dln = take(BTC); dqkv = take(3 * BTC); datty = take(BTC)
        datt = take(B * NH * T * T); dfch = take(4 * BTC); dfchGelu = take(4 * BTC)
        gradTotalCount = off
    }
}

/// A GPT-2-style decoder: token + learned position embeddings, L pre-LayerNorm blocks of causal
/// multi-head self-attention and a GELU MLP, a final LayerNorm, and logits through the tied token
/// embedding. Parameters, gradients and activations each live in one arena (llm.c style).
public final class GPT: LanguageModel {
    public let config: GPTConfig
    public var configuration: GPTConfig { config }
    let layout: GPTParameterLayout
    let params: UnsafeMutablePointer<Float>
    let grads: UnsafeMutablePointer<Float>
    public let parameterCount: Int

    // activations, (re)allocated for the largest B·T seen
    private var acts: UnsafeMutablePointer<Float>? = nil
    private var gradActs: UnsafeMutablePointer<Float>? = nil
    private var actCapacity = (count: 0, grad: 0)
    private var alayout: GPTActivationLayout? = nil
    private var shape = (B: 0, T: 0)
    private var lastInputs: [Int32] = []
    private var lastTargets: [Int32]? = nil
    private var lastPositions: [Int32]? = nil
    private var validTargets = 0

    public var parameterTensors: [ParameterTensor] { layout.tensors }

    /// Called during `backward` each time a group of gradient ranges (float offsets into the
    /// gradient arena) holds its final value for this pass, in completion order: the final
    /// LayerNorm, then each block from the last to the first, then the two embeddings. A
    /// data-parallel trainer starts reducing them while the rest of backward runs.
    public var gradientsReady: (([Range<Int>]) -> Void)?

    /// A model with GPT-2 initialization: weights N(0, 0.02), residual projections (attn.c_proj,
    /// mlp.c_proj) N(0, 0.02/√(2L)), biases 0, LayerNorm weights 1. Deterministic in `seed`.
    public init(config: GPTConfig, seed: UInt64 = 1337) throws {
        try config.validate()
        self.config = config
        self.layout = GPTParameterLayout(config: config)
        parameterCount = layout.totalCount
        params = Arena.allocate(parameterCount)
        params.initialize(repeating: 0, count: parameterCount)
        grads = Arena.allocate(parameterCount)
        grads.initialize(repeating: 0, count: parameterCount)
        var rng = SplitMix64(seed: seed)
        let residualStd = 0.02 / Float(2 * config.layers).squareRoot()
        for t in layout.tensors {
            let p = params + t.offset
            if t.name.hasSuffix("ln_1.weight") || t.name.hasSuffix("ln_2.weight") || t.name.hasSuffix("ln_f.weight") {
                p.update(repeating: 1, count: t.count)
            } else if t.decays {
                let std: Float = t.name.hasSuffix("c_proj.weight") ? residualStd : 0.02
                for i in 0..<t.count { p[i] = rng.nextGaussian() * std }
            }
        }
    }

    deinit {
        Arena.free(params)
        Arena.free(grads)
        acts.map(Arena.free)
        gradActs.map(Arena.free)
    }

    public func withParameters<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: params, count: parameterCount))
    }

    public func withGradients<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: grads, count: parameterCount))
    }

    /// Logits [B, T, V] of the last forward pass.
    public func withLogits<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        guard let acts, let a = alayout else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: acts + a.logits, count: shape.B * shape.T * config.vocabSize))
    }

    /// Per-position losses [B, T] of the last forward pass with targets.
    public func withLosses<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        guard let acts, let a = alayout else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: acts + a.losses, count: shape.B * shape.T))
    }

    private func ensureActivations(B: Int, T: Int) {
        if shape == (B, T), acts != nil { return }
        let a = GPTActivationLayout(config: config, B: B, T: T)
        if a.totalCount > actCapacity.count {
            acts.map(Arena.free)
            acts = Arena.allocate(a.totalCount)
            acts!.initialize(repeating: 0, count: a.totalCount)
            actCapacity.count = a.totalCount
        }
        if a.gradTotalCount > actCapacity.grad {
            gradActs.map(Arena.free)
            gradActs = Arena.allocate(a.gradTotalCount)
            gradActs!.initialize(repeating: 0, count: a.gradTotalCount)
            actCapacity.grad = a.gradTotalCount
        }
        alayout = a
        shape = (B, T)
    }

    @discardableResult
    public func forward(inputs: [Int32], targets: [Int32]?, positions: [Int32]?,
                        batchSize B: Int, sequenceLength T: Int) throws -> Float? {
        let V = config.vocabSize, C = config.channels, L = config.layers, NH = config.heads
        let BT = B * T
        guard B > 0, T > 0, T <= config.contextLength else {
            throw GPTError.invalidBatch("need B > 0 and 0 < T ≤ contextLength (\(config.contextLength)), got B=\(B) T=\(T)")
        }
        guard inputs.count == BT else { throw GPTError.invalidBatch("inputs has \(inputs.count) ids, expected B·T = \(BT)") }
        guard inputs.allSatisfy({ $0 >= 0 && Int($0) < V }) else { throw GPTError.invalidBatch("input id outside 0..<\(V)") }
        if let targets {
            guard targets.count == BT else { throw GPTError.invalidBatch("targets has \(targets.count) ids, expected \(BT)") }
            guard targets.allSatisfy({ Int($0) < V }) else { throw GPTError.invalidBatch("target id ≥ \(V)") }
        }
        if let positions {
            guard positions.count == BT else { throw GPTError.invalidBatch("positions has \(positions.count) entries, expected \(BT)") }
            guard positions.allSatisfy({ $0 >= 0 && Int($0) < config.contextLength }) else {
                throw GPTError.invalidBatch("position outside 0..<\(config.contextLength)")
            }
        }
        ensureActivations(B: B, T: T)
        lastInputs = inputs; lastTargets = targets; lastPositions = positions
        let a = alayout!, acts = self.acts!, p = params, lo = layout
        let BTC = BT * C

        inputs.withUnsafeBufferPointer { inp in
            if let positions {
                positions.withUnsafeBufferPointer { pos in
                    GPTKernels.encoderForward(acts + a.encoded, inp.baseAddress!, pos.baseAddress!, p + lo.wte, p + lo.wpe, B: B, T: T, C: C)
                }
            } else {
                GPTKernels.encoderForward(acts + a.encoded, inp.baseAddress!, nil, p + lo.wte, p + lo.wpe, B: B, T: T, C: C)
            }
        }
        for l in 0..<L {
            let residual = l == 0 ? acts + a.encoded : acts + a.residual3 + (l - 1) * BTC
            let ln1 = acts + a.ln1 + l * BTC, qkv = acts + a.qkv + l * 3 * BTC, atty = acts + a.atty + l * BTC
            let att = acts + a.att + l * B * NH * T * T, res2 = acts + a.residual2 + l * BTC
            let ln2 = acts + a.ln2 + l * BTC, fch = acts + a.fch + l * 4 * BTC, fchg = acts + a.fchGelu + l * 4 * BTC
            let res3 = acts + a.residual3 + l * BTC
            GPTKernels.layernormForward(ln1, acts + a.ln1Mean + l * BT, acts + a.ln1Rstd + l * BT, residual,
                                        p + lo.ln1w + l * C, p + lo.ln1b + l * C, B: B, T: T, C: C)
            GPTKernels.matmulForward(qkv, ln1, p + lo.qkvw + l * 3 * C * C, p + lo.qkvb + l * 3 * C, B: B, T: T, C: C, OC: 3 * C)
            GPTKernels.attentionForward(atty, att, qkv, B: B, T: T, C: C, NH: NH)
            GPTKernels.matmulForward(res2, atty, p + lo.attprojw + l * C * C, p + lo.attprojb + l * C, adding: residual, B: B, T: T, C: C, OC: C)
            GPTKernels.layernormForward(ln2, acts + a.ln2Mean + l * BT, acts + a.ln2Rstd + l * BT, res2,
                                        p + lo.ln2w + l * C, p + lo.ln2b + l * C, B: B, T: T, C: C)
            GPTKernels.matmulForward(fch, ln2, p + lo.fcw + l * 4 * C * C, p + lo.fcb + l * 4 * C, B: B, T: T, C: C, OC: 4 * C)
            GPTKernels.geluForward(fchg, fch, N: 4 * BTC)
            GPTKernels.matmulForward(res3, fchg, p + lo.fcprojw + l * 4 * C * C, p + lo.fcprojb + l * C, adding: res2, B: B, T: T, C: 4 * C, OC: C)
        }
        GPTKernels.layernormForward(acts + a.lnf, acts + a.lnfMean, acts + a.lnfRstd, acts + a.residual3 + (L - 1) * BTC,
                                    p + lo.lnfw, p + lo.lnfb, B: B, T: T, C: C)
        GPTKernels.matmulForward(acts + a.logits, acts + a.lnf, p + lo.wte, nil, B: B, T: T, C: C, OC: V)
        guard let targets else { validTargets = 0; return nil }
        targets.withUnsafeBufferPointer { tg in
            GPTKernels.softmaxCrossEntropyForward(acts + a.losses, acts + a.probs, acts + a.logits, tg.baseAddress!, B: B, T: T, V: V,
                                                  gradient: true)
        }
        validTargets = targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        var sum: Double = 0
        for i in 0..<BT { sum += Double(acts[a.losses + i]) }
        return validTargets == 0 ? 0 : Float(sum / Double(validTargets))
    }

    public func zeroGradients() {
        grads.update(repeating: 0, count: parameterCount)
    }

    public func backward(lossScale: Float) throws {
        guard lastTargets != nil, let acts, let gacts = gradActs, let a = alayout else { throw GPTError.noForward }
        let (B, T) = shape
        let V = config.vocabSize, C = config.channels, L = config.layers, NH = config.heads
        let BT = B * T, BTC = BT * C
        let p = params, g = grads, lo = layout
        let dres = gacts + a.dres, dln = gacts + a.dln, dqkv = gacts + a.dqkv, datty = gacts + a.datty
        let datt = gacts + a.datt, dfch = gacts + a.dfch, dfchg = gacts + a.dfchGelu
        let dloss = validTargets == 0 ? 0 : lossScale / Float(validTargets)
        // The forward left probs − onehot(target) in `probs` (see softmaxCrossEntropyForward);
        // dloss scales it inside the LM-head products.
        let dlogits = acts + a.probs
        lastTargets = nil
        GPTKernels.matmulBackward(dln, g + lo.wte, nil, dlogits, acts + a.lnf, p + lo.wte, B: B, T: T, C: C, OC: V,
                                  accumulateInput: false, alpha: dloss)
        dres.update(repeating: 0, count: BTC)
        GPTKernels.layernormBackward(dres, g + lo.lnfw, g + lo.lnfb, dln, acts + a.residual3 + (L - 1) * BTC,
                                     p + lo.lnfw, acts + a.lnfMean, acts + a.lnfRstd, B: B, T: T, C: C)
        gradientsReady?(lo.finalNormRanges)
        for l in stride(from: L - 1, through: 0, by: -1) {
            let residual = l == 0 ? acts + a.encoded : acts + a.residual3 + (l - 1) * BTC
            let ln1 = acts + a.ln1 + l * BTC, qkv = acts + a.qkv + l * 3 * BTC, atty = acts + a.atty + l * BTC
            let att = acts + a.att + l * B * NH * T * T, res2 = acts + a.residual2 + l * BTC
            let ln2 = acts + a.ln2 + l * BTC, fch = acts + a.fch + l * 4 * BTC, fchg = acts + a.fchGelu + l * 4 * BTC
            // dres holds d residual3[l] = d fcproj = (part of) d residual2[l]  (residual backward by aliasing)
            // The scratch gradients (dfchg, dfch, dln, datty, dqkv) are overwritten, not accumulated:
            // no clearing pass over them.
            GPTKernels.matmulBackward(dfchg, g + lo.fcprojw + l * 4 * C * C, g + lo.fcprojb + l * C, dres, fchg,
                                      p + lo.fcprojw + l * 4 * C * C, B: B, T: T, C: 4 * C, OC: C, accumulateInput: false)
            GPTKernels.geluBackward(dfch, fch, dfchg, N: 4 * BTC, accumulate: false)
            GPTKernels.matmulBackward(dln, g + lo.fcw + l * 4 * C * C, g + lo.fcb + l * 4 * C, dfch, ln2,
                                      p + lo.fcw + l * 4 * C * C, B: B, T: T, C: C, OC: 4 * C, accumulateInput: false)
            GPTKernels.layernormBackward(dres, g + lo.ln2w + l * C, g + lo.ln2b + l * C, dln, res2, p + lo.ln2w + l * C,
                                         acts + a.ln2Mean + l * BT, acts + a.ln2Rstd + l * BT, B: B, T: T, C: C)
            // dres now holds d residual2[l] = d attproj = (part of) d residual[l]
            GPTKernels.matmulBackward(datty, g + lo.attprojw + l * C * C, g + lo.attprojb + l * C, dres, atty,
                                      p + lo.attprojw + l * C * C, B: B, T: T, C: C, OC: C, accumulateInput: false)
            GPTKernels.attentionBackward(dqkv, datt, datty, qkv, att, B: B, T: T, C: C, NH: NH, accumulate: false)
            GPTKernels.matmulBackward(dln, g + lo.qkvw + l * 3 * C * C, g + lo.qkvb + l * 3 * C, dqkv, ln1,
                                      p + lo.qkvw + l * 3 * C * C, B: B, T: T, C: C, OC: 3 * C, accumulateInput: false)
            GPTKernels.layernormBackward(dres, g + lo.ln1w + l * C, g + lo.ln1b + l * C, dln, residual, p + lo.ln1w + l * C,
                                         acts + a.ln1Mean + l * BT, acts + a.ln1Rstd + l * BT, B: B, T: T, C: C)
            gradientsReady?(lo.blockRanges[l])
        }
        lastInputs.withUnsafeBufferPointer { inp in
            if let pos = lastPositions {
                pos.withUnsafeBufferPointer { pp in
                    GPTKernels.encoderBackward(g + lo.wte, g + lo.wpe, dres, inp.baseAddress!, pp.baseAddress!, B: B, T: T, C: C)
                }
            } else {
                GPTKernels.encoderBackward(g + lo.wte, g + lo.wpe, dres, inp.baseAddress!, nil, B: B, T: T, C: C)
            }
        }
        gradientsReady?(lo.embeddingRanges)
    }

    // MARK: state

    private static let magic: [UInt8] = Array("TMGPT001".utf8)

    /// "TMGPT001", UInt32 LE length of the JSON config, the JSON config, then the parameters as
    /// little-endian float32 in arena order.
    public func saveState() throws -> [UInt8] {
        let json = try JSONOutput.encode(config, .internalMessage)
        var out = GPT.magic
        out.reserveCapacity(12 + json.count + 4 * parameterCount)
        out.appendLE(UInt32(json.count))
        out += json
        out += UnsafeRawBufferPointer(start: params, count: 4 * parameterCount)
        return out
    }

    public func loadState(_ bytes: [UInt8]) throws {
        guard bytes.count >= 12, Array(bytes[0..<8]) == GPT.magic else { throw GPTError.malformedFile(.modelState, item: nil, message: "bad magic") }
        let n = Int(bytes.readLE32(8))
        guard bytes.count == 12 + n + 4 * parameterCount else { throw GPTError.malformedFile(.modelState, item: nil, message: "size mismatch") }
        let cfg = try JSONDecoder().decode(GPTConfig.self, from: Data(bytes[12..<(12 + n)]))
        guard cfg == config else { throw GPTError.malformedFile(.modelState, item: nil, message: "configuration \(cfg) differs from \(config)") }
        bytes.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(params).copyMemory(from: raw.baseAddress! + 12 + n, byteCount: 4 * parameterCount)
        }
    }

    /// Reads a model written by `saveState()`.
    public convenience init(state bytes: [UInt8]) throws {
        guard bytes.count >= 12, Array(bytes[0..<8]) == GPT.magic else { throw GPTError.malformedFile(.modelState, item: nil, message: "bad magic") }
        let n = Int(bytes.readLE32(8))
        guard bytes.count >= 12 + n else { throw GPTError.malformedFile(.modelState, item: nil, message: "truncated") }
        let cfg = try JSONDecoder().decode(GPTConfig.self, from: Data(bytes[12..<(12 + n)]))
        try self.init(config: cfg)
        try loadState(bytes)
    }
}
