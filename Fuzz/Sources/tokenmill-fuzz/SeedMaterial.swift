import Foundation
@testable import BPE
@testable import Corpus
@testable import DataLoader
@testable import GPT
@testable import Shards

/// Small valid inputs made from the repository's `Fixtures/` (so nothing large is committed):
/// a byte-level tokenizer with GPT-2's first merges, a shard set of a Fixtures text made with
/// it, and a tiny GPT checkpoint. Why small: libFuzzer mutates the whole input on every
/// execution, and a seed of megabytes runs a few executions per second under ASan.
enum SeedMaterial {
    /// The repository root: `$TOKENMILL_ROOT`, else found from this source file's path.
    static let root: String = {
        if let env = ProcessInfo.processInfo.environment["TOKENMILL_ROOT"] { return env }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }   // Fuzz/Sources/tokenmill-fuzz/SeedMaterial.swift
        return url.path
    }()

    static func fixture(_ relative: String) throws -> [UInt8] {
        let path = root + "/Fixtures/" + relative
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ShardError("cannot read \(path) (set TOKENMILL_ROOT to the repository)")
        }
        return Array(data)
    }

    /// Decompressed bytes of a `.gz`/`.zst`/`.bz2` fixture (through the library's own streams).
    static func decompressedFixture(_ relative: String) throws -> [UInt8] {
        var stream = try openByteStream(root + "/Fixtures/" + relative)
        var out: [UInt8] = []
        while let chunk = try stream.next() { out += chunk }
        return out
    }

    /// A byte-level BPE tokenizer: the 256 bytes plus the results of GPT-2's first `mergeCount`
    /// merges (Fixtures/vocab/gpt2-hf/merges.txt), `<|endoftext|>` after them. Ids are in merge
    /// order, so it can also be written as `.tiktoken`.
    static let tokenizer: Tokenizer = {
        let mergeCount = 120
        let lines = String(decoding: try! fixture("vocab/gpt2-hf/merges.txt"), as: UTF8.self).split(separator: "\n")
        var tokens: [[UInt8]?] = (0..<256).map { [UInt8($0)] }
        var idOf: [[UInt8]: TokenID] = [:]
        for (i, t) in tokens.enumerated() { idOf[t!] = TokenID(i) }
        var merges: [(left: TokenID, right: TokenID)] = []
        for line in lines.dropFirst() where merges.count < mergeCount {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let l = ByteLevelAlphabet.decode(String(parts[0])), let r = ByteLevelAlphabet.decode(String(parts[1])),
                  let left = idOf[l], let right = idOf[r], idOf[l + r] == nil else { continue }
            idOf[l + r] = TokenID(tokens.count)
            tokens.append(l + r)
            merges.append((left, right))
        }
        let model = try! BytePairModel(tokens: tokens, merges: merges)
        return try! Tokenizer(model: model, pattern: .gpt2, specialTokens: ["<|endoftext|>": TokenID(tokens.count)])
    }()

    static var tokenizerJSON: [UInt8] { Array(try! tokenizer.huggingFaceJSON()) }

    /// GPT-2's `vocab.json` and `merges.txt` for `tokenizer`.
    static var gpt2Files: (vocab: [UInt8], merges: [UInt8]) {
        var vocab: [String: Int] = [:]
        for id in 0..<tokenizer.model.count { vocab[ByteLevelAlphabet.encode(tokenizer.tokenBytes(TokenID(id))!)] = id }
        vocab["<|endoftext|>"] = tokenizer.model.count
        let json = try! JSONSerialization.data(withJSONObject: vocab, options: [.sortedKeys])
        var merges = "#version: 0.2\n"
        for (l, r) in tokenizer.model.mergeList() { merges += ByteLevelAlphabet.encode(l) + " " + ByteLevelAlphabet.encode(r) + "\n" }
        return (Array(json), Array(merges.utf8))
    }

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
