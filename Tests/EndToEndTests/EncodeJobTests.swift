import BPE
import Corpus
import Foundation
import Pipeline
import TestSupport
import Testing

/// `EncodeJob` (what `tokenmill encode` runs, issue 17): many files and documents encoded at once
/// on several threads, long documents streamed in parts, batches read ahead — and the output is
/// byte for byte what encoding each document alone and writing it in input order gives. Parts
/// and batches are made tiny here so that every fixture is cut many times and spans batches.
@Suite struct EncodeJobTests {
    static let vocabularies = ["gpt2": "Vocab/gpt2.tiktoken", "cl100k": "Vocab/cl100k_base.tiktoken", "o200k": "Vocab/o200k_base.tiktoken"]

    static func tokenizer(_ name: String) throws -> Tokenizer { try Tokenizer.load(CLI.root + "/" + vocabularies[name]!) }

    /// Every file of Fixtures/corpus, sorted (invalid UTF-8 ones included: the job repairs them).
    static let files: [String] = {
        let root = CLI.fixtures + "/corpus"
        let all = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }
        return all.filter { !$0.hasSuffix(".md") }.sorted().map { root + "/" + $0 }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }()

    /// The reference: each document encoded alone, whole, formatted the plain way.
    static func expected(_ documents: [[UInt8]], _ tokenizer: Tokenizer, _ output: TokenOutput, eot: TokenID?) throws -> [UInt8] {
        var out: [UInt8] = []
        for document in documents {
            let ids = try document.withUnsafeBufferPointer { try tokenizer.encode(utf8: $0, specials: .ordinary) }
            switch output {
            case .text:
                out += Array(ids.map(String.init).joined(separator: " ").utf8) + [0x0A]
            case .u16, .u32:
                for id in (eot.map { [$0] } ?? []) + ids {
                    let width = output == .u16 ? 2 : 4
                    for k in 0..<width { out.append(UInt8(truncatingIfNeeded: id >> (8 * UInt32(k)))) }
                }
            }
        }
        return out
    }

    static func run(_ files: [String], _ tokenizer: Tokenizer, _ configure: (inout EncodeOptions) -> Void) throws -> ([UInt8], EncodeSummary) {
        var options = EncodeOptions()
        options.threads = 2
        options.partBytes = 2048
        options.batchBytes = 50_000
        options.lossy = true
        configure(&options)
        var out: [UInt8] = []
        let summary = try EncodeJob(tokenizer: tokenizer, options: options).run(files) { out += $0 }
        return (out, summary)
    }

    @Test(arguments: ["gpt2", "cl100k", "o200k"])
    func outputIsEachFixtureEncodedAloneInInputOrder(vocab: String) throws {
        let tokenizer = try Self.tokenizer(vocab)
        let documents = try Self.files.map { UTF8Validation.repair(try InputFile.read($0)).bytes }
        let eot = tokenizer.specialTokenID("<|endoftext|>")
        for output in TokenOutput.allCases where !(output == .u16 && vocab != "gpt2") {
            let (out, summary) = try Self.run(Self.files, tokenizer) { $0.output = output; $0.endOfText = eot }
            let expected = try Self.expected(documents, tokenizer, output, eot: output == .text ? nil : eot)
            #expect(out.count == expected.count, "\(vocab) \(output): \(out.count) bytes, expected \(expected.count)")
            if out != expected {
                let k = zip(out, expected).prefix { $0 == $1 }.count
                Issue.record("\(vocab) \(output): first difference at byte \(k) of \(expected.count)")
            }
            #expect(summary.documents == documents.count)
            #expect(summary.bytes == (try Self.files.reduce(0) { $0 + (try InputFile.read($1)).count }))
        }
    }

    /// The same documents as JSON Lines (two files, blank lines between records): one output
    /// line per record, in order, from runs of lines encoded on both threads.
    @Test func jsonlRecordsAreEncodedInOrder() throws {
        let tokenizer = try Self.tokenizer("cl100k")
        let documents = try Self.files.map { UTF8Validation.repair(try InputFile.read($0)).bytes }
        let dir = try CLI.temporaryDirectory("encode-job-jsonl")
        var paths: [String] = []
        for (n, half) in [documents[..<(documents.count / 2)], documents[(documents.count / 2)...]].enumerated() {
            var jsonl = Data()
            for document in half {
                jsonl += try JSONSerialization.data(withJSONObject: ["id": 1, "text": String(decoding: document, as: UTF8.self)])
                jsonl += Data("\n\n".utf8)
            }
            paths.append(dir + "/part\(n).jsonl")
            try jsonl.write(to: URL(fileURLWithPath: paths.last!))
        }
        let (out, summary) = try Self.run(paths, tokenizer) { $0.inputFormat = .jsonl }
        #expect(out == (try Self.expected(documents, tokenizer, .text, eot: nil)))
        #expect(summary.documents == documents.count)
    }

    /// A malformed record names its file and line, counted across the runs of lines it was cut
    /// into; what precedes it in input order is written.
    @Test func aMalformedJSONLLineIsNamedWithItsLineNumber() throws {
        let tokenizer = try Self.tokenizer("gpt2")
        let dir = try CLI.temporaryDirectory("encode-job-bad-jsonl")
        var jsonl = ""
        for i in 0..<3000 { jsonl += #"{"text": "record \#(i) of a file that is cut into runs of lines"}"# + "\n" }
        jsonl += "{\"text\": 3}\n"
        let path = dir + "/bad.jsonl"
        try jsonl.write(toFile: path, atomically: true, encoding: .utf8)
        var options = EncodeOptions()
        options.inputFormat = .jsonl
        options.partBytes = 1000
        options.batchBytes = 20_000
        var written = 0
        #expect {
            _ = try EncodeJob(tokenizer: tokenizer, options: options).run([path]) { written += $0.filter { $0 == 0x0A }.count }
        } throws: { error in
            "\(error)".hasPrefix("\(path):3001:")
        }
        #expect(written <= 3000)
    }

    /// Invalid UTF-8 deep inside a long document, without `lossy`: the error names the file and
    /// the offset in the document (not in the part it was found in), and the earlier files'
    /// output is written.
    @Test func invalidUTF8InAPartIsReportedAtItsOffsetInTheDocument() throws {
        let tokenizer = try Self.tokenizer("cl100k")
        let dir = try CLI.temporaryDirectory("encode-job-invalid")
        let good = CLI.fixtures + "/corpus/books/kjv-bible.excerpt.txt"
        var text = try InputFile.read(good)
        let offset = 100_003
        text[offset] = 0xFF
        let bad = dir + "/bad.txt"
        try Data(text).write(to: URL(fileURLWithPath: bad))
        var out: [UInt8] = []
        var options = EncodeOptions()
        options.partBytes = 2048
        options.batchBytes = 50_000
        #expect {
            _ = try EncodeJob(tokenizer: tokenizer, options: options).run([good, bad]) { out += $0 }
        } throws: { error in
            (error as? TokenizerError) == .invalidUTF8(source: bad, offset: offset)
        }
        let first = try Self.expected([try InputFile.read(good)], tokenizer, .text, eot: nil)
        #expect(Array(out.prefix(first.count)) == first)
    }

    /// A tokenizer whose documents cannot be cut (special tokens matched) still gives each
    /// document's ids, one work item per document.
    @Test func documentsThatCannotBeCutAreEncodedWhole() throws {
        let tokenizer = try Self.tokenizer("cl100k")
        let documents = try Self.files.prefix(6).map { UTF8Validation.repair(try InputFile.read($0)).bytes }
        let (out, _) = try Self.run(Array(Self.files.prefix(6)), tokenizer) { $0.specials = .allow }
        var expected: [UInt8] = []
        for document in documents {
            let ids = try document.withUnsafeBufferPointer { try tokenizer.encode(utf8: $0, specials: .allow) }
            expected += Array(ids.map(String.init).joined(separator: " ").utf8) + [0x0A]
        }
        #expect(out == expected)
    }
}
