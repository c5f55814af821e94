import BPE
import Corpus
import Foundation
import TestSupport
import Normalizer
import Shards
import Testing

/// The documents a run should keep, computed independently of the shard writer.
func expectedDocuments(_ options: ShardOptions) throws -> [[UInt8]] {
    let pipeline = options.normalization.pipeline
    var seen = Set<[UInt8]>()
    var kept: [[UInt8]] = []
    for path in options.inputs {
        var reader = try DocumentReader(path: path, options: options.reader)
        while let document = try reader.next() {
            guard document.problem == nil, let text = try? pipeline.normalize(document.bytes).output else { continue }
            if text.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x09 }) { continue }
            if text.filter({ $0 & 0xC0 != 0x80 }).count < options.minChars { continue }
            if options.dedup && !seen.insert(text).inserted { continue }
            kept.append(text)
        }
    }
    return kept
}

func decodedDocuments(_ directory: String, tokenizer: Tokenizer) throws -> [[UInt8]] {
    let manifest = try Manifest.load(directory: directory)
    var docs: [[UInt8]] = []
    for shard in manifest.shards {
        let reader = try ShardReader(path: directory + "/" + shard.file)
        for d in 0..<reader.documentCount { docs.append(try tokenizer.decodeBytes(try reader.document(d))) }
    }
    return docs
}

@Suite struct ShardRoundTrip {
    @Test func fixturesRoundTripThroughSmallShardsAndBlocks() throws {
        let dir = try CLI.temporaryDirectory("roundtrip")
        var options = ShardOptions(inputs: try ShardJob.expandInputs([CLI.fixtures + "/corpus"]))
        options.shardTokens = 50_000
        options.blockTokens = 4096
        options.minChars = 20
        let manifest = try ShardJob(options: options, directory: dir, threads: 2).run()
        #expect(manifest.shards.count > 3)
        #expect(manifest.shards.allSatisfy { $0.tokens <= 50_000 || $0.documents == 1 })
        let tokenizer = try Tokenizer.load("gpt2")
        let expected = try expectedDocuments(options)
        let decoded = try decodedDocuments(dir, tokenizer: tokenizer)
        #expect(decoded.count == expected.count)
        #expect(decoded == expected)
        #expect(manifest.documentsKept == expected.count)
        let droppedTotal = manifest.dropped.values.reduce(0) { $0 + $1.count }
        #expect(manifest.documentsRead == manifest.documentsKept + droppedTotal)
        // Every shard verifies, random access agrees with sequential reading.
        for shard in manifest.shards {
            let reader = try ShardReader(path: dir + "/" + shard.file)
            try reader.verify()
            let all = try reader.tokens(0..<reader.tokenCount)
            let mid = reader.tokenCount / 2
            #expect(try reader.tokens(mid..<min(reader.tokenCount, mid + 5000)) == Array(all[mid..<min(reader.tokenCount, mid + 5000)]))
            #expect(all.first == tokenizer.specialTokenID("<|endoftext|>"))
        }
    }

    @Test func splitByHashIsStableAndDedupDropsCopies() throws {
        let a = try CLI.temporaryDirectory("split-a"), b = try CLI.temporaryDirectory("split-b")
        // The same inputs twice: the second copy of every document is an exact duplicate.
        let inputs = try ShardJob.expandInputs([CLI.fixtures + "/corpus/articles"])
        var options = ShardOptions(inputs: inputs + inputs)
        options.valFraction = 0.3
        options.reader.split = .blankLines
        let m1 = try ShardJob(options: options, directory: a, threads: 2).run()
        let m2 = try ShardJob(options: options, directory: b, threads: 1).run()
        #expect(m1.shards.map(\.sha256) == m2.shards.map(\.sha256))
        #expect(m1.dropped["duplicate"]!.count >= m1.documentsKept)
        let val = Double(m1.splits[.val]!.documents) / Double(m1.documentsKept)
        #expect(val > 0.2 && val < 0.4)
    }
}

@Suite struct Readers {
    @Test func warcResponsesBecomeText() throws {
        var reader = try DocumentReader(path: CLI.fixtures + "/formats/warc/example.warc.gz", options: ReaderOptions())
        var docs: [Document] = []
        while let d = try reader.next() { if d.dropReason == nil { docs.append(d) } }
        #expect(!docs.isEmpty)
        let text = String(decoding: docs[0].bytes, as: UTF8.self)
        #expect(text.contains("Example Domain"))
        #expect(!text.contains("<div") && !text.contains("font-family"))
        // Chunked transfer encoding (dupes.warc.gz).
        var dupes = try DocumentReader(path: CLI.fixtures + "/formats/warc/dupes.warc.gz", options: ReaderOptions())
        var count = 0
        while let d = try dupes.next() { count += 1; #expect(!String(decoding: d.bytes, as: UTF8.self).contains("<html")) }
        #expect(count >= 1)
    }

    @Test func truncatedGzipAndWrongWARCLengthAreClearErrors() throws {
        let dir = try CLI.temporaryDirectory("bad-inputs")
        let original = try InputFile.readRaw(CLI.fixtures + "/formats/warc/example-wget-1-14.warc.gz")
        let truncated = dir + "/truncated.warc.gz"
        #expect(FileManager.default.createFile(atPath: truncated, contents: Data(original[0..<(original.count * 2 / 3)])))
        var reader = try DocumentReader(path: truncated, options: ReaderOptions())
        let error = #expect(throws: InputError.self) { while try reader.next() != nil {} }
        #expect(error?.description.contains("truncated") == true || error?.description.contains("corrupt") == true)
        // The place is a field too (it was only in the message before): the file, and how it failed.
        #expect(error?.path == truncated && (error?.kind == .truncated || error?.kind == .malformed), "\(String(describing: error))")
        // A WARC record whose Content-Length is wrong (decompressed, one length edited).
        var plain = try InputFile.read(CLI.fixtures + "/formats/warc/example-wget-1-14.warc.gz")
        let text = String(decoding: plain, as: UTF8.self)
        let range = text.range(of: "Content-Length: ")!
        let at = text.utf8.distance(from: text.utf8.startIndex, to: range.upperBound.samePosition(in: text.utf8)!)
        plain[at] = plain[at] == 0x39 ? 0x31 : plain[at] + 1
        let wrong = dir + "/wrong.warc"
        #expect(FileManager.default.createFile(atPath: wrong, contents: Data(plain)))
        var wrongReader = try DocumentReader(path: wrong, options: ReaderOptions())
        let lengthError = #expect(throws: InputError.self) { while try wrongReader.next() != nil {} }
        #expect(lengthError?.description.contains("Content-Length") == true)
        #expect(lengthError?.path == wrong && lengthError?.record != nil && lengthError?.byteOffset != nil, "\(String(describing: lengthError))")
        if let lengthError, let byte = lengthError.byteOffset, let record = lengthError.record {
            #expect(lengthError.description.contains("WARC record \(record)") && lengthError.description.contains("byte \(byte)"), "\(lengthError)")
        }
    }

    @Test func htmlDropsScriptsAndDecodesEntities() throws {
        let page = CLI.fixtures + "/corpus/web/debian-handbook/apt.html"
        let html = String(decoding: try InputFile.readRaw(page), as: UTF8.self)
        let text = String(decoding: HTMLText.extract(try InputFile.readRaw(page)), as: UTF8.self)
        #expect(html.contains("<script") || html.contains("&"))
        #expect(!text.contains("<script") && !text.contains("</p>") && !text.contains("&amp;") && !text.contains("&#"))
        #expect(text.contains("\n"))
        #expect(text.contains("APT"))
    }

    /// Numeric references 0x80–0x9F mean the Windows-1252 characters there, as the HTML5 spec's
    /// table (§ 13.2.5.80, copied below as the reference) and every browser say: `&#150;` is "–"
    /// and survives control removal. The five numbers the table leaves out stay C1 controls, which
    /// the cleaner removes and counts.
    @Test func htmlC1NumericReferencesMeanWindows1252() throws {
        let spec: [UInt32: UInt32] = [
            0x80: 0x20AC, 0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
            0x88: 0x02C6, 0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039, 0x8C: 0x0152, 0x8E: 0x017D, 0x91: 0x2018,
            0x92: 0x2019, 0x93: 0x201C, 0x94: 0x201D, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02DC,
            0x99: 0x2122, 0x9A: 0x0161, 0x9B: 0x203A, 0x9C: 0x0153, 0x9E: 0x017E, 0x9F: 0x0178,
        ]
        for number in UInt32(0x80)...0x9F {
            let expected = String(Character(Unicode.Scalar(spec[number] ?? number)!))
            for reference in ["&#\(number);", "&#x\(String(number, radix: 16));", "&#X\(String(number, radix: 16, uppercase: true))"] {
                #expect(String(decoding: HTMLText.decodeEntities(Array(reference.utf8)), as: UTF8.self) == expected, "\(reference)")
            }
        }
        let page = Array("<p>pages 10&#150;12, &#147;quoted&#148;, &#x80;5, it&#146;s&#129;</p>".utf8)
        let text = HTMLText.extract(page)
        #expect(String(decoding: text, as: UTF8.self) == "pages 10–12, “quoted”, €5, it’s\u{81}\n")
        let cleaned = try NormalizerPipeline(form: .nfc, stripControls: true).normalize(text)
        #expect(String(decoding: cleaned.output, as: UTF8.self) == "pages 10–12, “quoted”, €5, it’s\n")
        #expect(cleaned.report.controlsRemoved == 1)
    }

    @Test func jsonlCompressedWithTextFieldAndMalformedLine() throws {
        let dir = try CLI.temporaryDirectory("jsonl")
        // Records built from real text (the lines of a fixture), one line broken on purpose.
        let source = String(decoding: try InputFile.readRaw(CLI.fixtures + "/corpus/articles/python-tutorial/appetite.rst.txt"), as: UTF8.self)
        let paragraphs = source.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        var lines = try paragraphs.map { String(decoding: try JSONSerialization.data(withJSONObject: ["content": $0, "id": 1]), as: UTF8.self) }
        lines.insert("{\"content\": \"unterminated", at: 2)
        let path = dir + "/records.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        for (tool, ext) in [("gzip", "gz"), ("zstd", "zst")] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
            p.arguments = ["-k", "-q", "-f", path]
            try p.run(); p.waitUntilExit()
            var reader = try DocumentReader(path: path + "." + ext, options: ReaderOptions(textField: "content"))
            var texts: [String] = [], problems = 0
            while let d = try reader.next() { if d.problem != nil { problems += 1 } else { texts.append(String(decoding: d.bytes, as: UTF8.self)) } }
            #expect(texts == paragraphs)
            #expect(problems == 1)
        }
    }
}
