import Foundation
@testable import BPE
@testable import Corpus
@testable import DataLoader
@testable import GPT
@testable import Shards

/// Every parser of untrusted bytes in Tokenmill, one target each (issue 16, Fuzzing).
enum FuzzTargets {
    static let all: [FuzzTarget] = [
        tokenizerJSON, tiktoken, gpt2Files, jsonl, warc, wet, html, wikipedia, parquet,
        shard, manifest, journal, safetensors, loaderState, checkpoint,
    ]

    /// Writes each target's seeds to `directory/TARGET/`.
    static func writeSeeds(to directory: String) throws {
        for target in all {
            let folder = directory + "/" + target.name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let seeds = try target.seeds()
            for seed in seeds {
                FileManager.default.createFile(atPath: folder + "/" + seed.name, contents: Data(seed.bytes))
            }
            print("\(target.name): \(seeds.count) seeds, \(seeds.map(\.bytes.count).reduce(0, +)) bytes")
        }
    }

    /// What a loaded tokenizer must survive: encoding text with specials, and decoding it back.
    static func exercise(_ tokenizer: Tokenizer) {
        let text = "Hello, world! <|endoftext|> naïve café 123 \u{1F600}\n\n  tabs\tand spaces"
        for policy in [SpecialTokenPolicy.allow, .ordinary] {
            guard let ids = try? tokenizer.encode(text, specials: policy) else { continue }
            _ = try? tokenizer.decodeBytes(ids)
        }
    }

    /// Reads every document of `bytes` as `format`, through the chunked stream.
    static func readDocuments(_ bytes: [UInt8], format: InputFormat, name: String) {
        var options = ReaderOptions(format: format)
        options.textField = "text"
        guard var reader = try? DocumentReader(path: name, options: options, stream: ChunkedBytes(bytes: bytes)) else { return }
        var count = 0
        while count < 100_000, let document = try? reader.next() {
            guard document != nil else { return }
            count += 1
        }
    }

    // MARK: Tokenizer files

    static let tokenizerJSON = FuzzTarget(
        name: "tokenizer-json", summary: "Hugging Face tokenizer.json (Tokenizer.loadHuggingFace)",
        seeds: { [("small-byte-level.json", SeedMaterial.tokenizerJSON)] },
        run: { bytes in
            let path = FuzzWork.write(bytes, name: "tokenizer.json")
            if let tokenizer = try? Tokenizer.loadHuggingFace(path: path) { exercise(tokenizer) }
        })

    static let tiktoken = FuzzTarget(
        name: "tiktoken", summary: "tiktoken ranks file (Tokenizer.loadTiktoken)",
        seeds: {
            [("small.tiktoken", Array(try SeedMaterial.tokenizer.tiktokenFileContents().utf8)),
             ("gpt2-head.tiktoken", Array(try SeedMaterial.fixture("../Vocab/gpt2.tiktoken").prefix(4096)))]
        },
        run: { bytes in
            let path = FuzzWork.write(bytes, name: "fuzz.tiktoken")
            if let tokenizer = try? Tokenizer.loadTiktoken(path: path) { exercise(tokenizer) }
        })

    /// Input: `vocab.json`, a NUL byte, `merges.txt` (JSON holds no raw NUL).
    static let gpt2Files = FuzzTarget(
        name: "gpt2-vocab-merges", summary: "GPT-2 vocab.json + merges.txt (Tokenizer.loadGPT2), split at the first NUL byte",
        seeds: {
            let files = SeedMaterial.gpt2Files
            return [("small-vocab-merges", files.vocab + [0] + files.merges)]
        },
        run: { bytes in
            let cut = bytes.firstIndex(of: 0) ?? bytes.count
            let vocab = FuzzWork.write(Array(bytes[..<cut]), name: "vocab.json")
            let merges = FuzzWork.write(cut < bytes.count ? Array(bytes[(cut + 1)...]) : [], name: "merges.txt")
            if let tokenizer = try? Tokenizer.loadGPT2(vocabPath: vocab, mergesPath: merges) { exercise(tokenizer) }
        })

    // MARK: Corpus readers

    static let jsonl = FuzzTarget(
        name: "jsonl", summary: "JSON Lines field reader (JSONField, DocumentReader .jsonl)",
        seeds: {
            let records = try SeedMaterial.fixture("formats/parquet/records.jsonl")
            let lines = records.split(separator: 0x0A, maxSplits: 4).prefix(4).map { Array($0.prefix(2000)) }
            return lines.enumerated().map { ("record-\($0.offset).jsonl", $0.element) } + [
                ("escapes.jsonl", Array(#"{"id": 1, "meta": {"a": [1, 2.5e3, null, true]}, "text": "tab\t \u00e9 \ud83d\ude00 \"q\" \\ end"}"#.utf8) + [0x0A]
                    + Array(#"{"text": 5}"#.utf8) + [0x0A] + Array("[1]\n".utf8)),
            ]
        },
        run: { bytes in
            _ = JSONField.string("text", in: bytes)
            readDocuments(bytes, format: .jsonl, name: "fuzz.jsonl")
        })

    static let warc = FuzzTarget(
        name: "warc", summary: "WARC records with HTTP responses and HTML (WARCReader via DocumentReader .warc)",
        seeds: {
            let whole = try SeedMaterial.decompressedFixture("formats/warc/example.warc.gz")
            return [("example.warc", Array(whole.prefix(12_000))),
                    ("wget.warc", Array(try SeedMaterial.decompressedFixture("formats/warc/example-wget-1-14.warc.gz").prefix(12_000)))]
        },
        run: { bytes in readDocuments(bytes, format: .warc, name: "fuzz.warc") })

    static let wet = FuzzTarget(
        name: "wet", summary: "WET conversion records (WARCReader via DocumentReader .wet)",
        seeds: {
            [("cc-2014-35.wet", try SeedMaterial.fixture("formats/wet/eugeneware-CC-MAIN-2014-35.warc.wet")),
             ("whirlwind.wet", Array(try SeedMaterial.decompressedFixture("formats/wet/whirlwind.warc.wet.gz").prefix(12_000)))]
        },
        run: { bytes in readDocuments(bytes, format: .wet, name: "fuzz.wet") })

    static let html = FuzzTarget(
        name: "html", summary: "HTML text extraction (HTMLText.extract, entities)",
        seeds: {
            [("packaging-system.html", Array(try SeedMaterial.fixture("corpus/web/debian-handbook/packaging-system.html").prefix(16_000))),
             ("invalid-utf8.html", Array(try SeedMaterial.fixture("corpus/messy/python-sgml_input.invalid-utf8.html").prefix(16_000)))]
        },
        run: { bytes in
            _ = HTMLText.extract(bytes)
            _ = HTMLText.decodeEntities(bytes)
        })

    static let wikipedia = FuzzTarget(
        name: "wikipedia", summary: "MediaWiki XML dump and wikitext (WikipediaDumpReader, WikiText via DocumentReader .wikipedia)",
        seeds: {
            [("table-markup.xml", Array(try SeedMaterial.decompressedFixture("formats/wikipedia/enwiki-table-markup.xml.bz2").prefix(16_000))),
             ("articles-prefix.xml", Array(try SeedMaterial.decompressedFixture("formats/wikipedia/enwiki-pages-articles1-prefix.xml.bz2").prefix(16_000)))]
        },
        run: { bytes in readDocuments(bytes, format: .wikipedia, name: "fuzz.xml") })

    static let parquet = FuzzTarget(
        name: "parquet", summary: "Parquet footer, Thrift metadata, pages and codecs (ParquetReader via DocumentReader .parquet)",
        seeds: {
            try ["brotli.parquet", "delta-length.parquet", "nested.parquet", "gzip-plain-v2.parquet",
                 "snappy-dictionary-v1.parquet", "zstd-dictionary-v2.parquet"].map { ($0, try SeedMaterial.fixture("formats/parquet/" + $0)) }
        },
        run: { bytes in
            let path = FuzzWork.write(bytes, name: "fuzz.parquet")
            var options = ReaderOptions(format: .parquet)
            options.textField = "text"
            guard var reader = try? DocumentReader(path: path, options: options) else { return }
            var count = 0
            while count < 100_000, let document = try? reader.next() {
                guard document != nil else { return }
                count += 1
            }
        })

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
