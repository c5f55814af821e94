// Training throughput of the GPT module: tokens/s for configurations A and B (issue 7) at the
// given thread counts, the machine's sgemm rate at the same thread count, and model FLOP
// utilization (peers.py's FLOP formula). Random token batches; one step = forward with loss,
// zero grads, backward, gradient norm, AdamW with the clip scale folded in (as PretrainRun does).
// Prints one JSON object per run.
//
//   GPTBench [--config A,B] [--threads 1,2] [--steps 10] [--warmup 2] [--batch 8] [--context 256]
//            [--attention [--block 16,32,...]] [--kernels]
// `cpu_s` is the process CPU time of the timed steps; `ms_per_step_min` the fastest step. The first
// line describes the machine (CPU, caches, OpenBLAS core type, huge-page mode): figures from two
// CPUs are only comparable beside it. `--kernels` times each kernel of a step on its own (fastest
// of --steps calls; KernelTimes.swift); `--attention --block` compares attention block sizes.
import Dispatch
import Foundation
import GPTModule
import TokenmillSupport

var configs = ["A", "B"], threads = [1, 2], steps = 10, warmup = 2, batch = 8, context = 256
var attentionOnly = false, kernelsOnly = false, blocks: [Int] = []
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    if a == "--attention" { attentionOnly = true; continue }
    if a == "--kernels" { kernelsOnly = true; continue }
    let v = args.popFirst() ?? ""
    switch a {
    case "--config": configs = v.split(separator: ",").map(String.init)
    case "--threads": threads = v.split(separator: ",").compactMap { Int($0) }
    case "--steps": steps = Int(v) ?? steps
    case "--warmup": warmup = Int(v) ?? warmup
    case "--batch": batch = Int(v) ?? batch
    case "--context": context = Int(v) ?? context
    case "--block": blocks = v.split(separator: ",").compactMap { Int($0) }
    default:
        FileHandle.standardError.write("usage: GPTBench [--config A,B] [--threads 1,2] [--steps N] [--warmup N] [--batch B] [--context T] [--attention [--block 16,32]] [--kernels]\n".data(using: .utf8)!)
        exit(2)
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Process CPU time (user + system, all threads) in seconds: on a loaded machine, the 1-thread
/// figure tokens / CPU-second is closer to the unloaded speed than wall time is.
func cpuTime() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

func emit(_ d: [String: Any]) {
    print(try! JSONOutput.text(d, .summary))
}

/// `--attention`: the attention kernels alone on one layer's shapes, fastest of `steps` calls
/// (the minimum is robust to other processes taking the CPU for a while).
@MainActor func benchAttention(_ cfg: GPTConfig, name: String, threads t: Int, block: Int?) {
    let B = batch, T = context, C = cfg.channels, NH = cfg.heads
    let tb = block ?? GPTKernels.attentionBlock(sequenceLength: T, headSize: C / NH)
    var rng = SplitMix64(seed: 3)
    let qkv = (0..<(B * T * 3 * C)).map { _ in rng.nextGaussian() }
    let dout = (0..<(B * T * C)).map { _ in rng.nextGaussian() }
    var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
    var dqkv = [Float](repeating: 0, count: B * T * 3 * C), datt = att
    var bestF = Double.infinity, bestB = Double.infinity, cpuF = Double.infinity, cpuB = Double.infinity
    for _ in 0..<(warmup + steps) {
        let c0 = cpuTime(), t0 = now()
        GPTKernels.attentionForward(&out, &att, qkv, B: B, T: T, C: C, NH: NH, block: tb)
        let c1 = cpuTime(), t1 = now()
        GPTKernels.attentionBackward(&dqkv, &datt, dout, qkv, att, B: B, T: T, C: C, NH: NH, accumulate: true, block: tb)
        let c2 = cpuTime(), t2 = now()
        bestF = min(bestF, t1 - t0); bestB = min(bestB, t2 - t1)
        cpuF = min(cpuF, c1 - c0); cpuB = min(cpuB, c2 - c1)
    }
    emit(["what": "attention", "config": name, "threads": t, "batch": B, "context": T, "block": tb,
          "ms_forward_min": bestF * 1e3, "ms_backward_min": bestB * 1e3,
          "cpu_ms_forward_min": cpuF * 1e3, "cpu_ms_backward_min": cpuB * 1e3])
}

/// The "model name" line of /proc/cpuinfo ("unknown" elsewhere).
func cpuModelName() -> String {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
    return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
}

emit(["what": "machine", "cpu": cpuModelName(), "cores": ThreadCount.default, "l1d_bytes": GPTMachine.l1DataCacheBytes,
      "l2_bytes": GPTMachine.l2CacheBytes, "blas_core": GPTMachine.blasCoreName,
      "blas_small_matrix_kernels": GPTMachine.blasHasSmallMatrixKernels, "transparent_hugepages": GPTMachine.transparentHugePages])

for t in threads {
    GPTThreads.set(t)
    if attentionOnly {
        for name in configs {
            for b in blocks.isEmpty ? [nil] : blocks.map(Optional.some) {
                benchAttention(GPTConfig.preset(name)!, name: name, threads: t, block: b)
            }
        }
        continue
    }
    if kernelsOnly {
        for name in configs {
            var d = try KernelTimes.measure(GPTConfig.preset(name)!, batch: batch, context: context, repeats: steps, warmup: warmup)
            d.merge(["what": "kernels", "config": name, "threads": t, "batch": batch, "context": context]) { $1 }
            emit(d)
        }
        continue
    }
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
        var fwd = 0.0, bwd = 0.0, upd = 0.0, loss: Float = 0, cpu0 = 0.0, fastest = Double.infinity
        for s in 0..<(warmup + steps) {
            if s == warmup { cpu0 = cpuTime() }
            let t0 = now()
            loss = try model.forward(inputs: x, targets: y, batchSize: batch, sequenceLength: context)!
            let t1 = now()
            model.zeroGradients()
            try model.backward()
            let t2 = now()
            let norm = GradientTools.norm(model)  // clip as PretrainRun does: the scale goes into AdamW
            opt.update(model, learningRate: 3e-4, gradientScale: GradientTools.clipScale(norm: norm, maxNorm: 1))
            let t3 = now()
            if s >= warmup { fwd += t1 - t0; bwd += t2 - t1; upd += t3 - t2; fastest = min(fastest, t3 - t0) }
        }
        let cpu = cpuTime() - cpu0
        let wall = fwd + bwd + upd
        let tps = Double(steps * n) / wall
        let flops = cfg.trainingFLOPsPerToken(sequenceLength: context)
        emit(["what": "gpt", "config": name, "threads": t, "batch": batch, "context": context, "steps": steps,
              "params": model.parameterCount, "tokens_per_s": tps, "ms_per_step": wall / Double(steps) * 1e3,
              "ms_per_step_min": fastest * 1e3,
              "ms_forward": fwd / Double(steps) * 1e3, "ms_backward": bwd / Double(steps) * 1e3,
              "ms_optimizer": upd / Double(steps) * 1e3, "gflops": tps * flops / 1e9,
              "mfu_vs_sgemm": tps * flops / 1e9 / sgemm, "loss": Double(loss), "cpu_s": cpu,
              "blas_core": GPTMachine.blasCoreName, "l1d_bytes": GPTMachine.l1DataCacheBytes, "l2_bytes": GPTMachine.l2CacheBytes,
              "attention_block": GPTKernels.attentionBlock(sequenceLength: context, headSize: cfg.channels / cfg.heads)])
    }
}
