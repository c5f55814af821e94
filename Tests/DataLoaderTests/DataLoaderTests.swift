import DataLoaderModule
import Foundation
import Shards
import Testing

@Suite struct Packing {
    @Test func rowsAreTheStreamCutIntoOverlappingSequencesWithDocumentPositions() throws {
        let dir = try Fixture.main.get()
        let (all, starts) = try Fixture.stream(dir)
        let manifest = try Manifest.load(directory: dir)
        #expect(manifest.shards.filter { $0.split == .train }.count >= 3)
        let eot = Int32(manifest.tokenizer.endOfText!)
        let T = 100
        var o = DataLoaderOptions(batchSize: 7, context: T)
        o.shuffle = false
        o.epochs = 1
        o.prefetch = 0
        let loader = try DataLoader(directory: dir, options: o)
        let S = (all.count - 1) / T
        #expect(loader.sequencesPerEpoch == [S])
        var next = 0, boundaries = 0
        for b in try drain(loader) {
            for r in 0..<b.rows {
                let s = b.sequenceIDs[r]
                #expect(s == next)
                next += 1
                let g = s * T
                let row = r * T
                #expect(Array(b.inputs[row..<row + T]) == all[g..<g + T].map { Int32(bitPattern: $0) })
                #expect(Array(b.targets[row..<row + T]) == all[g + 1..<g + T + 1].map { Int32(bitPattern: $0) })
                var d = starts.lastIndex { $0 <= g }!
                var segment: Int32 = 0
                for t in 0..<T {
                    if d + 1 < starts.count, g + t >= starts[d + 1] { d += 1; segment += 1 }
                    if b.positions[row + t] != Int32(g + t - starts[d]) || b.segments[row + t] != segment {
                        Issue.record("row \(s) position \(t): \(b.positions[row + t]) / \(b.segments[row + t])"); return
                    }
                    if b.positions[row + t] == 0 { boundaries += 1; #expect(b.inputs[row + t] == eot) }
                }
            }
        }
        #expect(next == S)                  // every sequence, in order, once
        #expect(boundaries > 1000)          // real documents start inside rows
        #expect(loader.stats.blocksDecompressed <= manifest.shards.filter { $0.split == .train }.count * 2 + all.count / 4096 + 1)
    }
}

@Suite struct Order {
    func epochIDs(_ dir: String, world: Int, rank: Int, seed: UInt64 = 7, T: Int = 64, epoch: Int = 0) throws -> [Int] {
        var o = DataLoaderOptions(batchSize: 16, context: T)
        o.seed = seed
        o.rank = rank
        o.worldSize = world
        o.epochs = epoch + 1
        o.chunkSequences = 16
        o.windowChunks = 4
        let loader = try DataLoader(directory: dir, options: o)
        let ids = try drain(loader).flatMap(\.sequenceIDs)
        let per = loader.sequencesPerEpoch[0]
        #expect(ids.count == per * (epoch + 1))
        return Array(ids[(per * epoch)...])
    }

    @Test(arguments: [1, 2, 3, 5, 8])
    func eachSequenceOncePerEpochAcrossDisjointEqualRanks(world: Int) throws {
        let dir = try Fixture.main.get()
        let S = (try Fixture.stream(dir).tokens.count - 1) / 64
        var seen = Set<Int>()
        var sizes: [Int] = []
        for rank in 0..<world {
            let ids = try epochIDs(dir, world: world, rank: rank, epoch: world == 3 ? 1 : 0)
            sizes.append(ids.count)
            for id in ids { #expect(seen.insert(id).inserted, "sequence \(id) twice") }
        }
        #expect(Set(sizes).count == 1 && sizes[0] == S / world)
        #expect(seen.count == S - S % world)
        #expect(seen.allSatisfy { (0..<S).contains($0) })
    }

    @Test func sameSeedSameOrderOtherSeedOrEpochOtherOrder() throws {
        let dir = try Fixture.main.get()
        let a = try epochIDs(dir, world: 1, rank: 0, seed: 1)
        #expect(a == (try epochIDs(dir, world: 1, rank: 0, seed: 1)))
        let b = try epochIDs(dir, world: 1, rank: 0, seed: 2)
        #expect(a != b && Set(a) == Set(b))
        let e1 = try epochIDs(dir, world: 1, rank: 0, seed: 1, epoch: 1)
        #expect(a != e1 && Set(a) == Set(e1))
        // Shuffled everywhere: the first and the last 10% of the epoch each reach across the
        // whole stream, and neighbours in the order are rarely neighbours in the stream.
        let tenth = a.count / 10
        for part in [a.prefix(tenth), a.suffix(tenth)] {
            #expect(part.min()! < a.count / 5 && part.max()! > a.count * 4 / 5)
        }
        let adjacent = zip(a, a.dropFirst()).filter { abs($0 - $1) == 1 }.count
        #expect(adjacent < a.count / 20)
    }

    @Test func prefetchedBatchesEqualSynchronousOnes() throws {
        let dir = try Fixture.main.get()
        var o = DataLoaderOptions(batchSize: 5, context: 200)
        o.seed = 3
        o.prefetch = 0
        let sync = try drain(try DataLoader(directory: dir, options: o), max: 300)
        o.prefetch = 3
        let pre = try DataLoader(directory: dir, options: o)
        let prefetched = try drain(pre, max: 300)
        #expect(sync.map(\.content) == prefetched.map(\.content))
        #expect(pre.stats.consumerWaitSeconds >= 0 && pre.stats.batches == 300)
    }
}

@Suite struct Resume {
    /// Resumes from the state after batch k (through JSON), at many random k including both
    /// sides of the epoch boundaries, and compares the following batches bit for bit.
    @Test func resumeAtRandomPointsIsBitIdentical() throws {
        let dir = try Fixture.main.get()
        var o = DataLoaderOptions(batchSize: 6, context: 128)
        o.seed = 11
        o.chunkSequences = 20
        o.windowChunks = 3
        o.prefetch = 2
        let loader = try DataLoader(directory: dir, options: o)
        let perEpoch = loader.sequencesPerEpoch[0]
        let total = (2 * perEpoch + 200) / 6            // through two epoch boundaries
        let reference = try drain(loader, max: total)
        #expect(reference.last!.epoch == 2)
        let boundary = perEpoch / 6
        var g = SystemRandomNumberGenerator()
        var points = [0, 1, boundary - 1, boundary, boundary + 1, 2 * boundary - 1, 2 * boundary]
        for _ in 0..<25 { points.append(Int.random(in: 0..<(total - 20), using: &g)) }
        var checked = 0
        for k in points {
            let json = try (k == 0 ? DataLoader(directory: dir, options: o).state() : reference[k - 1].stateAfter).json()
            var ro = o
            ro.prefetch = k % 2 == 0 ? 0 : 3
            let resumed = try DataLoader(directory: dir, options: ro, resumeFrom: try LoaderState.from(json: json))
            let got = try drain(resumed, max: 15)
            let want = reference[k..<min(k + 15, reference.count)]
            #expect(got.map(\.content) == want.map(\.content), "resume after batch \(k)")
            #expect(got.map(\.sequenceIDs) == want.map(\.sequenceIDs))
            checked += 1
        }
        #expect(checked == points.count)
        // state() of a prefetching loader is the state after the last batch it returned.
        let partial = try DataLoader(directory: dir, options: o)
        _ = try drain(partial, max: 37)
        #expect(partial.state() == reference[36].stateAfter)
        #expect(try partial.state().json().count < 2048)
    }

    @Test func resumeInANewProcessMatches() throws {
        let dir = try Fixture.main.get()
        let work = try Fixture.temporaryDirectory("cli-resume")
        var o = DataLoaderOptions(batchSize: 4, context: 96)
        o.seed = 5
        o.prefetch = 0
        let reference = try drain(try DataLoader(directory: dir, options: o), max: 60).map(fnv)
        let common = [dir, "--batch", "4", "--context", "96", "--seed", "5", "--print-hashes"]
        let first = try Fixture.cli(["loader-bench"] + common + ["--batches", "23", "--save-state", work + "/state.json"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try Fixture.cli(["loader-bench"] + common + ["--batches", "37", "--resume", work + "/state.json"])
        #expect(second.status == 0, "\(second.stderr)")
        let hashes = (first.stdout + second.stdout).split(separator: "\n").map(String.init)
        #expect(hashes == reference)
    }

    @Test func aStateFromOtherOptionsIsRefused() throws {
        let dir = try Fixture.main.get()
        var o = DataLoaderOptions(batchSize: 4, context: 64)
        o.prefetch = 0
        let loader = try DataLoader(directory: dir, options: o)
        _ = try loader.next()
        o.seed = 99
        #expect(throws: DataLoaderError.self) { try DataLoader(directory: dir, options: o, resumeFrom: loader.state()) }
    }
}

@Suite struct Integrity {
    /// A copy of the main set with one byte of block 3 of the second train shard flipped.
    func damagedCopy(_ name: String) throws -> (dir: String, shard: String, block: Int) {
        let source = try Fixture.main.get()
        let dir = try Fixture.temporaryDirectory(name)
        try FileManager.default.removeItem(atPath: dir)
        try FileManager.default.copyItem(atPath: source, toPath: dir)
        let shard = try Manifest.load(directory: dir).shards.filter { $0.split == .train }[1].file
        let reader = try ShardReader(path: dir + "/" + shard)
        let at = Int(reader.blocks[3].offset) + 10
        let handle = try #require(FileHandle(forUpdatingAtPath: dir + "/" + shard))
        try handle.seek(toOffset: UInt64(at))
        let byte = try handle.read(upToCount: 1)![0]
        try handle.seek(toOffset: UInt64(at))
        handle.write(Data([byte ^ 0x40]))
        try handle.close()
        return (dir, shard, 3)
    }

    @Test func aDamagedBlockStopsTheLoaderNamingShardAndBlock() throws {
        let (dir, shard, block) = try damagedCopy("stop")
        var o = DataLoaderOptions(batchSize: 8, context: 128)
        o.epochs = 1
        let loader = try DataLoader(directory: dir, options: o)
        do {
            _ = try drain(loader)
            Issue.record("no error")
        } catch let error as ShardError {
            #expect(error.shard == shard && error.block == block)
            #expect(error.description.contains(shard) && error.description.contains("block \(block)"))
        }
        #expect(throws: ShardError.self) { try loader.next() }   // stays failed
    }

    @Test func skippingDamagedBlocksIsExplicitAndCounted() throws {
        let (dir, shard, block) = try damagedCopy("skip")
        var o = DataLoaderOptions(batchSize: 8, context: 128)
        o.epochs = 1
        o.onCorruptBlock = .skip
        let loader = try DataLoader(directory: dir, options: o)
        let rows = try drain(loader).reduce(0) { $0 + $1.rows }
        let stats = loader.stats
        #expect(stats.skippedBlocks == ["\(shard) block \(block)"])
        #expect(stats.skippedSequences >= 4096 / 128 && stats.skippedSequences <= 4096 / 128 + 2)
        #expect(rows + stats.skippedSequences == loader.sequencesPerEpoch[0])
    }

    @Test func anotherTokenizersShardsAreRefused() throws {
        let dir = try Fixture.main.get()
        let hex = try Manifest.load(directory: dir).tokenizer.fingerprint
        var bytes: [UInt8] = stride(from: 0, to: hex.count, by: 2).map { i in
            UInt8(hex[hex.index(hex.startIndex, offsetBy: i)..<hex.index(hex.startIndex, offsetBy: i + 2)], radix: 16)!
        }
        var o = DataLoaderOptions(batchSize: 2, context: 32)
        o.expectedFingerprint = bytes
        _ = try DataLoader(directory: dir, options: o)
        bytes[0] ^= 1
        o.expectedFingerprint = bytes
        let error = #expect(throws: DataLoaderError.self) { try DataLoader(directory: dir, options: o) }
        #expect(error?.directory == dir)
    }

    /// The loader's own checks throw its own error (they threw `ShardError` before, as if a
    /// shard were damaged); a check of the options alone names no directory.
    @Test func theLoadersOwnChecksThrowDataLoaderErrorNamingTheDirectoryWhenThereIsOne() throws {
        let dir = try Fixture.main.get()
        var o = DataLoaderOptions(batchSize: 2, context: 32)
        o.rank = 3
        o.worldSize = 2
        let rank = #expect(throws: DataLoaderError.self) { try DataLoader(directory: dir, options: o) }
        #expect(rank?.directory == nil && rank?.description == "rank 3 is outside 0..<2")
        o.rank = 0
        o.worldSize = 1
        o.context = 1 << 30
        let tooShort = #expect(throws: DataLoaderError.self) { try DataLoader(directory: dir, options: o) }
        #expect(tooShort?.directory == dir)
        let noSources = #expect(throws: DataLoaderError.self) { try DataLoader(sources: [], options: DataLoaderOptions(batchSize: 2, context: 32)) }
        #expect(noSources?.description == "no sources")
    }
}

@Suite struct Validation {
    @Test func validationStreamIsFixedSinglePassAndPartitioned() throws {
        let dir = try Fixture.main.get()
        let (val, _) = try Fixture.stream(dir, split: .val)
        let T = 64
        let S = (val.count - 1) / T
        #expect(S > 20)
        let run = { (rank: Int, world: Int) throws -> [Batch] in
            try drain(try DataLoader(directory: dir, options: .validation(batchSize: 8, context: T, rank: rank, worldSize: world)))
        }
        let a = try run(0, 1), b = try run(0, 1)
        #expect(a.map(\.content) == b.map(\.content))
        #expect(a.flatMap(\.sequenceIDs) == Array(0..<S))
        #expect(a.dropLast().allSatisfy { $0.rows == 8 } && a.last!.rows == (S % 8 == 0 ? 8 : S % 8))
        let r0 = try run(0, 2).flatMap(\.sequenceIDs), r1 = try run(1, 2).flatMap(\.sequenceIDs)
        #expect(r0 + r1 == Array(0..<(S - S % 2)))
    }
}

@Suite struct Mixing {
    @Test func mixtureFollowsWeightsAndResumesExactly() throws {
        let main = try Fixture.main.get(), books = try Fixture.books.get()
        let sources = [LoaderSource(name: "all", directory: main, weight: 0.3), LoaderSource(name: "books", directory: books, weight: 0.7)]
        var o = DataLoaderOptions(batchSize: 10, context: 64)
        o.seed = 21
        o.prefetch = 2
        let loader = try DataLoader(sources: sources, options: o)
        let batches = try drain(loader, max: 401)
        let rows = batches.prefix(400).flatMap(\.sources)
        let share = Double(rows.filter { $0 == 1 }.count) / Double(rows.count)
        #expect(abs(share - 0.7) < 0.04)   // 4000 rows: 4 standard deviations ≈ 0.029
        #expect(batches.map(\.content) == (try drain(try DataLoader(sources: sources, options: o), max: 401)).map(\.content))
        for k in [1, 57, 233, 399] {
            let state = try LoaderState.from(json: try batches[k - 1].stateAfter.json())
            let resumed = try drain(try DataLoader(sources: sources, options: o, resumeFrom: state), max: 1)
            #expect(resumed.map(\.content) == [batches[k].content], "resume after batch \(k)")
        }
        #expect(throws: DataLoaderError.self) { try DataLoader(sources: Array(sources.reversed()), options: o, resumeFrom: batches[9].stateAfter) }
    }
}
