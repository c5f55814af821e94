// Training throughput of the GPT module: tokens/s for configurations A and B (issue 7) at the
// given thread counts, the machine's sgemm rate at the same thread count, and model FLOP
// utilization (peers.py's FLOP formula). Random token batches; one step = forward with loss,
// zero grads, backward, gradient clipping, AdamW. Prints one JSON object per run.
//
//   GPTBench [--config A,B] [--threads 1,2] [--steps 10] [--warmup 2] [--batch 8] [--context 256]
import Dispatch
import Foundation
import GPT

var configs = ["A", "B"], threads = [1, 2], steps = 10, warmup = 2, batch = 8, context = 256
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    let v = args.popFirst() ?? ""
    switch a {
    case "--config": configs = v.split(separator: ",").map(String.init)
    case "--threads": threads = v.split(separator: ",").compactMap { Int($0) }
    case "--steps": steps = Int(v) ?? steps
    case "--warmup": warmup = Int(v) ?? warmup
    case "--batch": batch = Int(v) ?? batch
    case "--context": context = Int(v) ?? context
    default:
        FileHandle.standardError.write("usage: GPTBench [--config A,B] [--threads 1,2] [--steps N] [--warmup N] [--batch B] [--context T]\n".data(using: .utf8)!)
        exit(2)
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func emit(_ d: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: d, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

for t in threads {
    GPTThreads.set(t)
    let sgemm = GPTKernels.measureSGEMM(size: 2048, repeats: 3)
    emit(["what": "sgemm", "n": 2048, "threads": t, "gflops": sgemm])
    for name in configs {
        guard let cfg = GPTConfig.preset(name) else { fatalError("unknown config \(name)") }
        let model = try GPT(config: cfg, seed: 0)
        let opt = AdamW(parameterCount: model.parameterCount)
        var rng = SplitMix64(seed: 42)
        let n = batch * context
        let x = (0..<n).map { _ in Int32(rng.next() % UInt64(cfg.vocabSize)) }
        let y = (0..<n).map { _ in Int32(rng.next() % UInt64(cfg.vocabSize)) }
        var fwd = 0.0, bwd = 0.0, upd = 0.0, loss: Float = 0
        for s in 0..<(warmup + steps) {
            let t0 = now()
            loss = try model.forward(inputs: x, targets: y, batchSize: batch, sequenceLength: context)!
            let t1 = now()
            model.zeroGradients()
            try model.backward()
            let t2 = now()
            GradientTools.clip(model, maxNorm: 1)
            opt.update(model, learningRate: 3e-4)
            let t3 = now()
            if s >= warmup { fwd += t1 - t0; bwd += t2 - t1; upd += t3 - t2 }
        }
        let wall = fwd + bwd + upd
        let tps = Double(steps * n) / wall
        let flops = cfg.trainingFLOPsPerToken(sequenceLength: context)
        emit(["what": "gpt", "config": name, "threads": t, "batch": batch, "context": context, "steps": steps,
              "params": model.parameterCount, "tokens_per_s": tps, "ms_per_step": wall / Double(steps) * 1e3,
              "ms_forward": fwd / Double(steps) * 1e3, "ms_backward": bwd / Double(steps) * 1e3,
              "ms_optimizer": upd / Double(steps) * 1e3, "gflops": tps * flops / 1e9,
              "mfu_vs_sgemm": tps * flops / 1e9 / sgemm, "loss": Double(loss)])
    }
}
