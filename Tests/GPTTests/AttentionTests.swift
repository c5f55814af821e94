import Foundation
import GPTModule
import Testing
import TokenmillSupport

/// The causally blocked attention kernels against a direct Double-precision implementation of
/// causal softmax attention, on lengths that span several blocks and end in a partial block, at
/// 1 and 2 threads (2 threads with B·NH ≥ 2 spreads the heads over both; B·NH = 1 runs on one),
/// with the block size this machine gets and with the others the rule can give elsewhere
/// (16…64 rows: the block is derived from the L1d size, GPTKernels.attentionBlock).
@Suite struct AttentionTests {

    /// out [B,T,C] and d qkv [B,T,3C] for `dout`, computed row by row in Double.
    static func reference(_ qkv: [Float], _ dout: [Float], B: Int, T: Int, C: Int, NH: Int) -> (out: [Double], dqkv: [Double]) {
        let hs = C / NH, C3 = 3 * C
        let scale = 1 / Double(hs).squareRoot()
        var out = [Double](repeating: 0, count: B * T * C), dqkv = [Double](repeating: 0, count: B * T * C3)
        func x(_ b: Int, _ t: Int, _ part: Int, _ h: Int, _ i: Int) -> Double { Double(qkv[(b * T + t) * C3 + part * C + h * hs + i]) }
        for b in 0..<B {
            for h in 0..<NH {
                for t in 0..<T {
                    var s = (0...t).map { j in (0..<hs).reduce(0.0) { $0 + x(b, t, 0, h, $1) * x(b, j, 1, h, $1) } * scale }
                    let m = s.max()!
                    s = s.map { exp($0 - m) }
                    let sum = s.reduce(0, +)
                    let p = s.map { $0 / sum }
                    for i in 0..<hs { out[(b * T + t) * C + h * hs + i] = (0...t).reduce(0.0) { $0 + p[$1] * x(b, $1, 2, h, i) } }
                    let d = (0..<hs).map { Double(dout[(b * T + t) * C + h * hs + $0]) }
                    let dp = (0...t).map { j in (0..<hs).reduce(0.0) { $0 + d[$1] * x(b, j, 2, h, $1) } }
                    let dot = zip(p, dp).reduce(0.0) { $0 + $1.0 * $1.1 }
                    for j in 0...t {
                        let ds = p[j] * (dp[j] - dot) * scale
                        for i in 0..<hs {
                            dqkv[(b * T + j) * C3 + 2 * C + h * hs + i] += p[j] * d[i]          // dV
                            dqkv[(b * T + t) * C3 + h * hs + i] += ds * x(b, j, 1, h, i)       // dQ
                            dqkv[(b * T + j) * C3 + C + h * hs + i] += ds * x(b, t, 0, h, i)   // dK
                        }
                    }
                }
            }
        }
        return (out, dqkv)
    }

    /// max |a − b| / max |b|
    static func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        let scale = max(1e-30, b.map(abs).max()!)
        return zip(a, b).map { abs(Double($0) - $1) }.max()! / scale
    }

    /// The block rule (GPTKernels.attentionBlock): a multiple of 16 in 16…64; unless at the floor,
    /// the widest block's score tile (block × T floats) fits in this machine's L1d and, where
    /// OpenBLAS has small-matrix kernels, block·T·hs ≤ 10⁶; and it is the largest such block.
    @Test(arguments: [1, 64, 150, 256, 512, 1024])
    func attentionBlockKeepsTheScoreTileInL1(_ T: Int) {
        let hs = 64, l1 = GPTMachine.l1DataCacheBytes, small = GPTMachine.blasHasSmallMatrixKernels
        func fits(_ rows: Int) -> Bool { rows * T * 4 <= l1 && (!small || rows * T * hs <= 1_000_000) }
        let block = GPTKernels.attentionBlock(sequenceLength: T, headSize: hs)
        #expect(block % 16 == 0 && (16...64).contains(block))
        #expect(block == 16 || fits(block))
        #expect(block == 64 || !fits(block + 16))
    }

    /// The machine's block for the shape, then 16, 32, 48 and 64 (each block size the rule can pick).
    static func blocks(T: Int, headSize: Int) -> [Int] {
        [GPTKernels.attentionBlock(sequenceLength: T, headSize: headSize), 16, 32, 48, 64]
    }

    @Test(arguments: [(2, 150, 2, 1), (2, 150, 2, 2), (1, 70, 1, 2), (3, 64, 4, 2), (1, 1, 2, 2)])
    func blockedAttentionMatchesDirectComputation(_ shape: (B: Int, T: Int, NH: Int, threads: Int)) {
        for block in Self.blocks(T: shape.T, headSize: 32 / shape.NH) { check(shape, block: block) }
    }

    func check(_ shape: (B: Int, T: Int, NH: Int, threads: Int), block: Int) {
        let (B, T, NH, C) = (shape.B, shape.T, shape.NH, 32)
        var rng = SplitMix64(seed: UInt64(T * 10 + NH))
        let qkv = (0..<(B * T * 3 * C)).map { _ in rng.nextGaussian() }
        let dout = (0..<(B * T * C)).map { _ in rng.nextGaussian() }
        let prior = (0..<(B * T * 3 * C)).map { _ in rng.nextGaussian() }  // backward accumulates onto it
        GPTThreads.set(shape.threads)
        var out = [Float](repeating: .nan, count: B * T * C)
        var att = [Float](repeating: .nan, count: B * NH * T * T), datt = att  // unwritten blocks stay unread
        var dqkv = prior
        GPTKernels.attentionForward(&out, &att, qkv, B: B, T: T, C: C, NH: NH, block: block)
        GPTKernels.attentionBackward(&dqkv, &datt, dout, qkv, att, B: B, T: T, C: C, NH: NH, accumulate: true, block: block)
        let (wantOut, wantGrad) = Self.reference(qkv, dout, B: B, T: T, C: C, NH: NH)
        let outErr = Self.relativeError(out, wantOut)
        let gradErr = Self.relativeError(zip(dqkv, prior).map { $0 - $1 }, wantGrad)
        print("attention B=\(B) T=\(T) NH=\(NH) threads=\(shape.threads) block=\(block): out \(outErr), d qkv \(gradErr)")
        #expect(outErr < 1e-5)
        #expect(gradErr < 1e-5)
        // Probabilities: each causal row sums to 1 and is zero right of the diagonal inside its block.
        for bh in 0..<(B * NH) {
            for t in 0..<T {
                let row = att[(bh * T + t) * T ..< (bh * T + t) * T + T]
                let sum = row.prefix(t + 1).reduce(0, +)
                #expect(abs(sum - 1) < 1e-5)
                let blockEnd = min(T, (t / block + 1) * block)
                #expect(row.dropFirst(t + 1).prefix(blockEnd - t - 1).allSatisfy { $0 == 0 })
            }
        }
    }
}
