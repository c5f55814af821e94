import TokenmillSupport

/// Builds batches from one or more sources (weighted mixture). Owned by one thread at a time.
final class BatchAssembler: @unchecked Sendable {
    // @unchecked: handed once from the creating thread to the prefetch thread, which alone
    // touches it afterwards (the DataLoader never reads it again while that thread runs).
    let sources: [SequenceSource]
    let cumulative: [Double]
    let options: DataLoaderOptions
    let template: LoaderState
    var rows = 0
    var finished = false
    private var scratch: [Int32]

    init(sources: [SequenceSource], weights: [Double], options: DataLoaderOptions, template: LoaderState) {
        self.sources = sources
        let total = weights.reduce(0, +)
        var c: [Double] = []
        var acc = 0.0
        for w in weights { acc += w / total; c.append(acc) }
        cumulative = c
        self.options = options
        self.template = template
        scratch = [Int32](repeating: 0, count: options.context + 1)
    }

    /// The source of mixture row `k`: a pure function of (seed, k), so resumable.
    func source(forRow k: Int) -> Int {
        if sources.count == 1 { return 0 }
        var g = SplitMix64(seed: SplitMix64.mix(options.seed, 3, UInt64(k)))
        let u = g.unit()
        return cumulative.firstIndex { u < $0 } ?? sources.count - 1
    }

    var state: LoaderState {
        var s = template
        s.positions = sources.map(\.position)
        s.rows = rows
        return s
    }

    func next() throws -> Batch? {
        if finished { return nil }
        let B = options.batchSize, T = options.context
        var inputs = [Int32](repeating: 0, count: B * T), targets = inputs, positions = inputs, segments = inputs
        var srcs = [Int32](), ids = [Int]()
        srcs.reserveCapacity(B); ids.reserveCapacity(B)
        var epoch = 0
        var r = 0
        try inputs.withUnsafeMutableBufferPointer { inp in
            try targets.withUnsafeMutableBufferPointer { tgt in
                try positions.withUnsafeMutableBufferPointer { pos in
                    try segments.withUnsafeMutableBufferPointer { seg in
                        try scratch.withUnsafeMutableBufferPointer { scr in
                            while r < B {
                                let k = source(forRow: rows)
                                guard let got = try sources[k].fill(inputs: inp.baseAddress! + r * T, targets: tgt.baseAddress! + r * T,
                                                                    positions: pos.baseAddress! + r * T, segments: seg.baseAddress! + r * T,
                                                                    scratch: scr.baseAddress!) else {
                                    finished = true
                                    return
                                }
                                if r == 0 { epoch = got.epoch }
                                srcs.append(Int32(k)); ids.append(got.sequence)
                                rows += 1
                                r += 1
                            }
                        }
                    }
                }
            }
        }
        if r == 0 { return nil }
        if r < B {
            inputs.removeSubrange((r * T)...); targets.removeSubrange((r * T)...)
            positions.removeSubrange((r * T)...); segments.removeSubrange((r * T)...)
        }
        return Batch(rows: r, context: T, inputs: inputs, targets: targets, positions: positions, segments: segments,
                     sources: srcs, sequenceIDs: ids, epoch: epoch, stateAfter: state)
    }
}
