#if canImport(Shards)
import Foundation
@testable import Corpus
@testable import DataLoaderModule
@testable import GPTModule
@testable import Pipeline
@testable import Shards

/// The targets of shard sets, the loader and the GPT (built unless `TOKENMILL_FUZZ_SUBSET=readers`).
extension FuzzTargets {
    static let shardsAndModels: [FuzzTarget] = [shard, manifest, journal, safetensors, loaderState, checkpoint]

    // MARK: Shard sets

    /// Mutations almost always break a CRC, and a reader stops at the first: so the checksums of
    /// header, footer, index and blocks are made right again before reading (as a crafted file
    /// would have them), letting the fuzzer reach the field checks behind them.
    static let shard = FuzzTarget(
        name: "shard", summary: "shard header, footer, block table, document index, blocks (ShardReader), checksums fixed up",
        seeds: {
            let dir = SeedMaterial.shardSet
            return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tms") }.sorted().prefix(3).map {
                ($0, Array(FileManager.default.contents(atPath: dir + "/" + $0)!))
            }
        },
        run: { bytes in
            let path = FuzzWork.write(ShardChecksums.fixed(bytes), name: "train-000000.tms")
            guard let reader = try? ShardReader(path: path) else { return }
            _ = try? reader.verify()
            for i in 0..<min(reader.documentCount, 8) { _ = try? reader.document(i) }
            if reader.tokenCount > 0 { _ = try? reader.tokens(max(0, reader.tokenCount - 3)..<reader.tokenCount) }
        })

    /// The fuzzed manifest.json sits in a copy of a real shard set, and is read as `verify`, the
    /// loader and `cat` read it.
    static let manifest = FuzzTarget(
        name: "manifest", summary: "manifest.json of a shard set (Manifest.load, listProblems, openShard, checkDigest, DataLoader)",
        prepare: { _ = manifestSet },
        seeds: { [("manifest.json", Array(FileManager.default.contents(atPath: SeedMaterial.shardSet + "/manifest.json")!))] },
        run: { bytes in
            let dir = manifestSet
            FuzzWork.write(bytes, name: "manifest.json", inside: dir)
            guard let manifest = try? Manifest.load(directory: dir) else { return }
            _ = manifest.listProblems(directory: dir)
            _ = try? manifest.tokenizerCopy(directory: dir)
            for summary in manifest.shards.prefix(16) {
                guard (try? manifest.openShard(summary, directory: dir)) != nil else { continue }
                _ = try? manifest.checkDigest(summary, directory: dir)
            }
            if let loader = try? DataLoader(directory: dir, options: SeedMaterial.loaderOptions) {
                for _ in 0..<3 { guard (try? loader.next()) != nil else { break } }
                loader.close()
            }
        })
    static let manifestSet: String = copyOfShardSet("manifest-set", keepManifest: false)

    /// A shard set without its manifest: the shard files of `SeedMaterial.shardSet` only.
    static func copyOfShardSet(_ name: String, keepManifest: Bool) -> String {
        let dir = FuzzWork.folder(name)
        for file in try! FileManager.default.contentsOfDirectory(atPath: SeedMaterial.shardSet) {
            if !keepManifest && (file == "manifest.json" || file == "journal.jsonl") { continue }
            try! FileManager.default.copyItem(atPath: SeedMaterial.shardSet + "/" + file, toPath: dir + "/" + file)
        }
        return dir
    }

    /// `journal.jsonl` of an interrupted `shard` run, resumed by `ShardJob` with the options the
    /// journal's start line names (those of `SeedMaterial.shardSet`), beside that run's shards.
    static let journal = FuzzTarget(
        name: "journal", summary: "journal.jsonl of an interrupted shard run (Journal, ShardJob resume)",
        prepare: { _ = SeedMaterial.shardSet },
        seeds: {
            let full = Array(FileManager.default.contents(atPath: SeedMaterial.shardSet + "/journal.jsonl")!)
            let lines = full.split(separator: 0x0A).map(Array.init)
            return [("complete.jsonl", full), ("interrupted.jsonl", Array(lines.dropLast().joined(separator: [0x0A])) + [0x0A]),
                    ("started.jsonl", lines[0] + [0x0A])]
        },
        run: { bytes in
            let dir = copyOfShardSet("journal-set", keepManifest: false)
            FuzzWork.write(bytes, name: "journal.jsonl", inside: dir)
            guard let job = try? ShardJob(options: SeedMaterial.shardOptions, directory: dir, threads: 1) else { return }
            job.warning = { _ in }
            _ = try? job.run()
        })

    // MARK: GPT

    static let safetensors = FuzzTarget(
        name: "safetensors", summary: "safetensors header and tensors (Safetensors.decode)",
        seeds: {
            [("tiny-model.safetensors", Array(FileManager.default.contents(atPath: SeedMaterial.checkpoint + "/model.safetensors")!)),
             ("small.safetensors", try Safetensors.encode([("a", [2, 3], [1, 2, 3, 4, 5, 6]), ("b", [1], [0.5])], metadata: ["step": "3"]))]
        },
        run: { bytes in _ = try? Safetensors.decode(bytes) })

    static let loaderState = FuzzTarget(
        name: "loader-state", summary: "DataLoader resume state, loader.json (LoaderState.from, DataLoader resumeFrom)",
        prepare: { _ = SeedMaterial.shardSet },
        seeds: {
            let loader = try DataLoader(directory: SeedMaterial.shardSet, options: SeedMaterial.loaderOptions)
            defer { loader.close() }
            var seeds = [("start.json", Array(try loader.state().json()))]
            for i in 0..<3 { _ = try loader.next(); seeds.append(("after-\(i + 1).json", Array(try loader.state().json()))) }
            return seeds
        },
        run: { bytes in
            guard let state = try? LoaderState.from(json: Data(bytes)),
                  let loader = try? DataLoader(directory: SeedMaterial.shardSet, options: SeedMaterial.loaderOptions, resumeFrom: state) else { return }
            for _ in 0..<3 { guard (try? loader.next()) != nil else { break } }
            loader.close()
        })

    /// Input: one byte choosing the file, then its bytes; the other files are the tiny
    /// checkpoint's own, and `SHA256SUMS` is rewritten to match (as a crafted checkpoint would).
    static let checkpointFiles = ["config.json", "model.safetensors", "trainer.json", "optimizer.safetensors"]
    static let checkpoint = FuzzTarget(
        name: "checkpoint", summary: "GPT checkpoint: config.json, model.safetensors, trainer.json, optimizer.safetensors (GPTCheckpoint.load*)",
        prepare: { _ = checkpointOriginals },
        seeds: {
            checkpointFiles.enumerated().map { i, name in
                (name, [UInt8(i)] + Array(FileManager.default.contents(atPath: SeedMaterial.checkpoint + "/" + name)!))
            }
        },
        run: { bytes in
            guard let selector = bytes.first else { return }
            let dir = FuzzWork.folder("checkpoint-fuzz")
            let fuzzed = checkpointFiles[Int(selector) % checkpointFiles.count]
            for (name, original) in checkpointOriginals { FuzzWork.write(name == fuzzed ? Array(bytes.dropFirst()) : original, name: name, inside: dir) }
            try? GPTCheckpoint.writeChecksums(in: dir)
            GPTCheckpoint.checked.withLock { $0.removeAll() }
            _ = try? GPTCheckpoint.loadInfo(from: dir)
            guard let model = try? GPTCheckpoint.loadModel(from: dir) else { return }
            _ = try? GPTCheckpoint.loadOptimizer(from: dir, into: AdamW(parameterCount: model.parameterCount))
        })
    static let checkpointOriginals: [(String, [UInt8])] = checkpointFiles.map {
        ($0, Array(FileManager.default.contents(atPath: SeedMaterial.checkpoint + "/" + $0)!))
    }
}
#else
extension FuzzTargets {
    static let shardsAndModels: [FuzzTarget] = []
}
#endif
