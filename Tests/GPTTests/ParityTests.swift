import Foundation
import GPTModule
import Testing
import TokenmillSupport

/// Fixtures/gpt/ made by scripts/make_gpt_reference.py (PyTorch, float32).
struct Reference {
    struct Meta: Decodable {
        struct Tensor: Decodable { var name: String; var count: Int }
        struct Adam: Decodable { var lr: Float; var beta1: Float; var beta2: Float; var eps: Float; var weightDecay: Float }
        var config: GPTConfig
        var B: Int
        var T: Int
        var inputs: [Int32]
        var targets: [Int32]
        var positions: [Int32]
        var loss: Float
        var adamw: Adam
        var tensors: [Tensor]
        var parameterCount: Int
        var logitsCount: Int
    }
    let meta: Meta
    let params: [Float]
    let logits: [Float]
    let grads: [Float]
    let paramsAfterStep: [Float]

    static let shared: Reference = try! Reference()

    init() throws {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        dir.appendPathComponent("Fixtures/gpt")
        meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: dir.appendingPathComponent("reference.json")))
        let data = try Data(contentsOf: dir.appendingPathComponent("reference.bin"))
        let all: [Float] = data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        let P = meta.parameterCount, N = meta.logitsCount
        precondition(all.count == 3 * P + N)
        params = Array(all[0..<P])
        logits = Array(all[P..<(P + N)])
        grads = Array(all[(P + N)..<(2 * P + N)])
        paramsAfterStep = Array(all[(2 * P + N)...])
    }
}

/// max |a − b| / max |b| over one tensor (relative to the tensor's scale, as llm.c compares).
func scaledError(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
    var num: Float = 0, den: Float = 0
    for (x, y) in zip(a, b) { num = max(num, abs(x - y)); den = max(den, abs(y)) }
    return den == 0 ? num : num / den
}

@Suite struct ParityTests {
    @Test func forwardBackwardMatchPyTorch() throws {
        let ref = Reference.shared
        let m = ref.meta
        GPTThreads.set(2)
        let model = try GPT(config: m.config)
        #expect(model.parameterCount == m.parameterCount)
        model.withParameters { p in for i in 0..<p.count { p[i] = ref.params[i] } }

        let loss = try #require(try model.forward(inputs: m.inputs, targets: m.targets, positions: m.positions,
                                                  batchSize: m.B, sequenceLength: m.T))
        let logitsErr = model.withLogits { scaledError(Array($0)[...], ref.logits[...]) }
        let lossErr = abs(loss - m.loss) / abs(m.loss)
        print("GPT parity: loss \(loss) vs torch \(m.loss) (rel \(lossErr)); logits scaled error \(logitsErr)")
        #expect(lossErr < 1e-5)
        #expect(logitsErr < 1e-4)

        model.zeroGradients()
        try model.backward()
        let grads = model.withGradients { Array($0) }
        // Compare per tensor kind, in the fixture's (llm.c arena) order.
        var offset = 0, worst: Float = 0
        for t in m.tensors {
            let e = scaledError(grads[offset..<(offset + t.count)], ref.grads[offset..<(offset + t.count)])
            print("GPT parity: grad \(t.name) scaled error \(e)")
            #expect(e < 1e-4, "gradient \(t.name)")
            worst = max(worst, e)
            offset += t.count
        }
        print("GPT parity: max gradient scaled error \(worst)")
    }

    @Test func adamWStepMatchesTorch() throws {
        let ref = Reference.shared
        let m = ref.meta
        let model = try GPT(config: m.config)
        model.withParameters { p in for i in 0..<p.count { p[i] = ref.params[i] } }
        model.withGradients { g in for i in 0..<g.count { g[i] = ref.grads[i] } }
        let opt = AdamW(parameterCount: model.parameterCount, beta1: m.adamw.beta1, beta2: m.adamw.beta2,
                        eps: m.adamw.eps, weightDecay: m.adamw.weightDecay)
        opt.update(model, learningRate: m.adamw.lr)
        let after = model.withParameters { Array($0) }
        var worst: Float = 0, worstDelta: Float = 0
        for i in 0..<after.count {
            worst = max(worst, abs(after[i] - ref.paramsAfterStep[i]) / max(abs(ref.paramsAfterStep[i]), 1e-6))
            // error relative to the size of the update itself
            let d = ref.paramsAfterStep[i] - ref.params[i]
            if abs(d) > 1e-6 { worstDelta = max(worstDelta, abs((after[i] - ref.params[i]) - d) / abs(d)) }
        }
        print("GPT parity: AdamW step max relative error \(worst) (of the update: \(worstDelta))")
        #expect(worst < 1e-4)
        #expect(worstDelta < 1e-4)
    }

    @Test func defaultPositionsAreArange() throws {
        let model = try GPT(config: .tiny, seed: 7)
        let B = 2, T = 16
        var rng = SplitMix64(seed: 3)
        let x = (0..<(B * T)).map { _ in Int32(rng.next() % 512) }
        let y = (0..<(B * T)).map { _ in Int32(rng.next() % 512) }
        let pos = (0..<(B * T)).map { Int32($0 % T) }
        let a = try model.forward(inputs: x, targets: y, batchSize: B, sequenceLength: T)
        let b = try model.forward(inputs: x, targets: y, positions: pos, batchSize: B, sequenceLength: T)
        #expect(a == b)
        #expect(abs(a! - log(512)) < 0.5)  // near-uniform at init
    }

    @Test func stateRoundTrip() throws {
        let a = try GPT(config: .tiny, seed: 1)
        let bytes = try a.saveState()
        let b = try GPT(state: bytes)
        #expect(b.config == a.config)
        #expect(a.withParameters { Array($0) } == b.withParameters { Array($0) })
        let c = try GPT(config: .tiny, seed: 2)
        try c.loadState(bytes)
        #expect(a.withParameters { Array($0) } == c.withParameters { Array($0) })
        let other = try GPT(config: GPTConfig(vocabSize: 64, contextLength: 8, layers: 1, heads: 1, channels: 8))
        #expect(throws: GPTError.self) { try other.loadState(bytes) }
    }

    @Test func configPresetsAndCodable() throws {
        #expect(GPTConfig.configA == GPTConfig(vocabSize: 8192, contextLength: 256, layers: 4, heads: 4, channels: 256))
        #expect(GPTConfig.configB.layers == 6 && GPTConfig.configB.heads == 6 && GPTConfig.configB.channels == 384)
        #expect(GPTConfig.preset("tiny") == .tiny)
        let json = try JSONEncoder().encode(GPTConfig.configB)
        #expect(try JSONDecoder().decode(GPTConfig.self, from: json) == .configB)
        #expect(throws: GPTError.self) { try GPT(config: GPTConfig(vocabSize: 10, contextLength: 4, layers: 1, heads: 3, channels: 8)) }
        let model = try GPT(config: .tiny)
        #expect(model.parameterTensors.filter { !$0.decays }.allSatisfy { $0.shape.count == 1 })
        #expect(model.parameterTensors.reduce(0) { $0 + $1.count } == model.parameterCount)
        #expect(throws: GPTError.self) { try model.forward(inputs: [0, 1], targets: [1, 2], batchSize: 1, sequenceLength: 3) }
        #expect(throws: GPTError.self) { try model.forward(inputs: [0, 600], targets: nil, batchSize: 1, sequenceLength: 2) }
    }

    @Test func scheduleAndClipping() throws {
        let s = LRSchedule(maxLR: 1e-3, minLR: 1e-4, warmupSteps: 10, decaySteps: 110)
        #expect(abs(s.learningRate(at: 0) - 1e-4) < 1e-9)
        #expect(abs(s.learningRate(at: 9) - 1e-3) < 1e-9)
        #expect(abs(s.learningRate(at: 60) - 5.5e-4) < 1e-8)
        #expect(s.learningRate(at: 500) == 1e-4)
        let model = try GPT(config: GPTConfig(vocabSize: 16, contextLength: 4, layers: 1, heads: 1, channels: 8))
        model.withGradients { g in for i in 0..<g.count { g[i] = 1 } }
        let n = GradientTools.norm(model)
        #expect(abs(n - Float(model.parameterCount).squareRoot()) < 1e-3)
        let before = GradientTools.clip(model, maxNorm: 1)
        #expect(before == n)
        #expect(abs(GradientTools.norm(model) - 1) < 1e-4)
    }

    @Test func overfitsOneBatch() throws {
        let cfg = GPTConfig(vocabSize: 32, contextLength: 16, layers: 2, heads: 2, channels: 32)
        let model = try GPT(config: cfg, seed: 5)
        let opt = AdamW(parameterCount: model.parameterCount, weightDecay: 0.0)
        var rng = SplitMix64(seed: 9)
        let tokens = (0..<(4 * 16 + 1)).map { _ in Int32(rng.next() % 32) }
        let x = Array(tokens[0..<64]), y = Array(tokens[1...])
        var first: Float = 0, last: Float = 0
        for step in 0..<60 {
            let loss = try #require(try model.forward(inputs: x, targets: y, batchSize: 4, sequenceLength: 16))
            if step == 0 { first = loss }
            last = loss
            model.zeroGradients()
            try model.backward()
            GradientTools.clip(model, maxNorm: 1)
            opt.update(model, learningRate: 3e-3)
        }
        print("GPT overfit: loss \(first) -> \(last)")
        #expect(last < 0.5 * first)
    }
}
