#if canImport(Shards)
import Foundation
@testable import BPE
@testable import DataLoaderModule
@testable import GPTModule
@testable import Pipeline
@testable import Shards

extension SeedMaterial {
    /// A finished shard set (manifest, tokenizer copy, train and val shards of several blocks)
    /// of a Fixtures text, made with `tokenizer` by `ShardJob` itself. Why at a fixed path
    /// (`FuzzWork.material`), made once and reused: a journal resumes only with the same options,
    /// input paths included, so the seeds one process writes must match the next one's set.
    static let shardSet: String = FuzzWork.material("shard-set-v1") { dir in
        let input = dir + "/kjv.txt"
        FileManager.default.createFile(atPath: input, contents: Data(try fixture("corpus/books/kjv-bible.excerpt.txt").prefix(12_000)))
        try FileManager.default.createDirectory(atPath: dir + "/tokenizer", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/tokenizer/tokenizer.json", contents: Data(tokenizerJSON))
        var options = ShardOptions(inputs: [input])
        options.tokenizer = dir + "/tokenizer/tokenizer.json"
        options.reader.split = .blankLines
        options.shardTokens = 2_000
        options.blockTokens = 256
        options.valFraction = 0.2
        _ = try ShardJob(options: options, directory: dir + "/set", threads: 1).run()
    } + "/set"

    /// The options `shardSet` was made with (a journal only resumes with the same ones).
    static var shardOptions: ShardOptions { try! Manifest.load(directory: shardSet).options }

    /// The loader options the `loader-state` target restores with.
    static var loaderOptions: DataLoaderOptions {
        var o = DataLoaderOptions(batchSize: 2, context: 16)
        o.prefetch = 0
        o.seed = 7
        return o
    }

    /// A tiny GPT checkpoint (config.json, model.safetensors, optimizer.safetensors, trainer.json,
    /// loader.json, tokenizer files, SHA256SUMS) written by `GPTCheckpoint.save`.
    static let checkpoint: String = {
        let dir = FuzzWork.directory + "/checkpoint"
        let config = GPTConfig(vocabSize: tokenizer.vocabularySize, contextLength: 16, layers: 1, heads: 2, channels: 8)
        let model = try! GPT(config: config, seed: 1)
        let optimizer = AdamW(parameterCount: model.parameterCount)
        let loader = try! DataLoader(directory: shardSet, options: loaderOptions)
        _ = try! loader.next()
        let info = CheckpointInfo(step: 1, config: config, options: PretrainOptions(), tokenizerFingerprint: "0",
                                  endOfText: Int(tokenizer.specialTokenID("<|endoftext|>")!), tokensSeen: 32, threads: 1)
        try! GPTCheckpoint.save(to: dir, model: model, optimizer: optimizer, loaderStateJSON: try! loader.state().json(),
                                info: info, tokenizerJSON: Data(tokenizerJSON))
        loader.close()
        return dir
    }()
}
#endif
