import Foundation
@testable import BPE
@testable import Corpus

/// Every parser of untrusted bytes in Tokenmill, one target each (issue 16, Fuzzing).
enum FuzzTargets {
    static let all: [FuzzTarget] = readers + shardsAndModels

    /// The targets that need only BPE and Corpus: what `TOKENMILL_FUZZ_SUBSET=readers` builds
    /// (Fuzz/Package.swift), without swift-crypto's BoringSSL, most of a sanitized build's time.
    static let readers: [FuzzTarget] = [tokenizerJSON, tiktoken, gpt2Files, jsonl, warc, wet, html, wikipedia, parquet]

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
}
