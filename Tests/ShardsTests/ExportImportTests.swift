import Foundation
import Shards
import TestSupport
import Testing

/// `ShardExporter` writes the layouts of docs/shard-format.md ("Export and import") and
/// `ShardImporter` reads them back into shards with the same documents.
@Suite struct ExportImport {
    /// A set from Fixtures/corpus with several shards per split and many blocks.
    static let source: Result<String, Error> = Result {
        let dir = try CLI.temporaryDirectory("export-source")
        var options = ShardOptions(inputs: try ShardJob.expandInputs([CLI.fixtures + "/corpus/books", CLI.fixtures + "/corpus/articles"]))
        options.reader.split = .blankLines
        options.valFraction = 0.1
        options.shardTokens = 80_000
        options.blockTokens = 4096
        _ = try ShardJob(options: options, directory: dir, threads: 2).run()
        return dir
    }

    /// Per split: documents (without their leading end-of-text) and the shard stream.
    static func split(_ dir: String, _ split: DataSplit) throws -> (docs: [[UInt32]], stream: [UInt32], eot: UInt32) {
        let manifest = try Manifest.load(directory: dir)
        var docs: [[UInt32]] = [], stream: [UInt32] = []
        for s in manifest.shards where s.split == split {
            let r = try ShardReader(path: dir + "/" + s.file)
            for d in 0..<r.documentCount { docs.append(try r.document(d)) }
            stream += try r.tokens(0..<r.tokenCount)
        }
        return (docs, stream, manifest.tokenizer.endOfText!)
    }

    static func uint16s(_ path: String, offset: Int = 0) throws -> [UInt32] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { raw in
            stride(from: offset, to: raw.count, by: 2).map { UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0, as: UInt16.self))) }
        }
    }

    @Test func nanogptAndMegatronBinAreEachDocumentThenEndOfText() throws {
        let dir = try Self.source.get()
        let out = try CLI.temporaryDirectory("export-nanogpt")
        _ = try ShardExporter(directory: dir, output: out + "/n", format: .nanogpt).run()
        _ = try ShardExporter(directory: dir, output: out + "/m", format: .megatron).run()
        for split in DataSplit.allCases {
            let (docs, _, eot) = try Self.split(dir, split)
            let expected = docs.flatMap { $0 + [eot] }
            #expect(try Self.uint16s(out + "/n/\(split).bin") == expected)
            #expect(try Self.uint16s(out + "/m/\(split).bin") == expected)
            // The index: header, lengths, pointers, document indices.
            let idx = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/m/\(split).idx")))
            #expect(Array(idx[0..<9]) == Array("MMIDIDX".utf8) + [0, 0])
            func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(idx[at + $1]) << (8 * $1) } }
            func i32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(idx[at + $1]) << (8 * $1) } }
            let n = docs.count
            #expect(u64(9) == 1 && idx[17] == 8 && u64(18) == n && u64(26) == n + 1)
            #expect(idx.count == 34 + 12 * n + 8 * (n + 1))
            #expect((0..<n).map { i32(34 + 4 * $0) } == docs.map { $0.count + 1 })
            var pointer = 0
            for (d, doc) in docs.enumerated() {
                #expect(u64(34 + 4 * n + 8 * d) == pointer)
                pointer += 2 * (doc.count + 1)
            }
            #expect((0...n).map { u64(34 + 12 * n + 8 * $0) } == Array(0...n))
        }
    }

    @Test func llmcFilesAreTheShardStreamCutAtDocumentStarts() throws {
        let dir = try Self.source.get()
        let out = try CLI.temporaryDirectory("export-llmc")
        let exporter = ShardExporter(directory: dir, output: out, format: .llmc)
        exporter.llmcFileTokens = 50_000
        let files = try exporter.run()
        for split in DataSplit.allCases {
            let (_, stream, eot) = try Self.split(dir, split)
            var joined: [UInt32] = []
            for f in files where f.split == split {
                let words = try Self.uint16s(f.path)
                #expect(words[0] == 0xD888 && words[1] == 0x0134)      // 20240520 = 0x0134_D888, little-endian
                #expect(words[2] == 1 && words[4] == UInt32(f.tokens & 0xFFFF) && words[5] == UInt32(f.tokens >> 16))
                let tokens = Array(words[512...])
                #expect(tokens.count == f.tokens && tokens.first == eot)
                joined += tokens
            }
            #expect(joined == stream)
        }
        #expect(files.filter { $0.split == .train }.count > 1)
    }

    @Test func importOfEachExportGivesTheSameDocuments() throws {
        let dir = try Self.source.get()
        for format in TokenFileFormat.allCases {
            let out = try CLI.temporaryDirectory("import-\(format.rawValue)")
            let files = try ShardExporter(directory: dir, output: out + "/x", format: format).run()
            let inputs: [ImportInput] = files.filter { !$0.path.hasSuffix(".idx") }.map { ImportInput(path: $0.path, split: $0.split) }
            let importer = try ShardImporter(format: format, inputs: inputs, directory: out + "/back", tokenizer: "gpt2")
            importer.shardTokens = 30_000
            importer.blockTokens = 1000
            let manifest = try importer.run()
            #expect(importer.repairs.isEmpty, "\(format): \(importer.repairs)")
            #expect(manifest.shards.count > 2)
            for split in DataSplit.allCases {
                let (a, sa, _) = try Self.split(dir, split), (b, sb, _) = try Self.split(out + "/back", split)
                #expect(a == b, "\(format) \(split)")
                #expect(sa == sb)
            }
            for s in manifest.shards { try ShardReader(path: out + "/back/" + s.file).verify() }
        }
    }

    @Test func importReportsRepairsAndRefusesForeignIDs() throws {
        let dir = try CLI.temporaryDirectory("import-bad")
        func write(_ name: String, _ tokens: [UInt16], header: [Int32]? = nil) throws -> String {
            var bytes: [UInt8] = []
            if let header { for v in header + [Int32](repeating: 0, count: 256 - header.count) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } } }
            for t in tokens { withUnsafeBytes(of: t.littleEndian) { bytes += $0 } }
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name))
            return dir + "/" + name
        }
        // nanoGPT without a final end-of-text: the last document is kept and the repair counted.
        let open = try write("open.bin", [10, 11, 50256, 12, 13])
        let importer = try ShardImporter(format: .nanogpt, inputs: [ImportInput(path: open)], directory: dir + "/a", tokenizer: "gpt2")
        let manifest = try importer.run()
        #expect(manifest.documentsKept == 2 && importer.repairs == ["nanogpt_no_trailing_end_of_text": 1])
        // An id outside gpt2's vocabulary.
        let foreign = try write("foreign.bin", [50256, 1, 2, 60000])
        #expect(throws: ShardError.self) {
            try ShardImporter(format: .nanogpt, inputs: [ImportInput(path: foreign)], directory: dir + "/b", tokenizer: "gpt2").run()
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/b/manifest.json"))
        // llm.c header whose count disagrees with the file.
        let short = try write("short.bin", [50256, 1, 2], header: [20240520, 1, 5])
        do {
            _ = try ShardImporter(format: .llmc, inputs: [ImportInput(path: short)], directory: dir + "/c", tokenizer: "gpt2").run()
            Issue.record("a wrong llm.c count was accepted")
        } catch let error as ShardError {
            #expect(error.description.contains("short.bin") && error.description.contains("counts 5 tokens"))
        }
    }
}
