import BPE
import Foundation
import Testing

@Suite struct FormatTests {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tokenmill-format-tests-\(getpid())").path

    init() throws { try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true) }

    func sampleTexts() throws -> [[UInt8]] { try References.load("tiktoken-o200k").map(\.text) }

    /// tiktoken → .tiktoken → load: the file is byte-identical to the original and encodes the same.
    @Test func tiktokenWriteIsIdenticalToTheOriginal() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: Paths.repo("Vocab/gpt2.tiktoken")))
        let written = try Tokenizers.gpt2.tiktokenFileContents()
        #expect(Data(written.utf8) == original)
    }

    /// Save as tokenizer.json, load it back (merges semantics now), and save again: same ids on
    /// every fixture document, and the second file equals the first.
    @Test(arguments: ["gpt2", "cl100k", "o200k", "anthropic-legacy"])
    func huggingFaceRoundTrip(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        let path = scratch + "/\(name).json"
        let first = try tokenizer.huggingFaceJSON()
        try first.write(to: URL(fileURLWithPath: path))
        let reloaded = try Tokenizer.load(path)
        #expect(reloaded.pattern == tokenizer.pattern)
        #expect(reloaded.normalization == tokenizer.normalization)
        #expect(reloaded.specialTokens == tokenizer.specialTokens)
        #expect(try reloaded.huggingFaceJSON() == first)
        let texts = try sampleTexts()
        let policy: SpecialTokenPolicy = name == "anthropic-legacy" ? .allow : .ordinary
        #expect(try reloaded.encodeBatch(texts, specials: policy) == tokenizer.encodeBatch(texts, specials: policy))
    }

    @Test func malformedTiktokenNamesTheLine() throws {
        let path = scratch + "/bad.tiktoken"
        try "IQ== 0\nIg== 1\nnot-base64!! 2\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.malformedFile(path: path, location: "line 3", message: "expected a base64-encoded token before the space")) {
            try Tokenizer.load(path)
        }
        try "IQ== 0\nIg==\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.malformedFile(path: path, location: "line 2", message: "expected `<base64 token> <rank>`, found no space")) {
            try Tokenizer.load(path)
        }
    }

    /// The .tiktoken parser puts tokens at their ranks when a file lists them out of order (real
    /// files list 0, 1, 2, … and take the parser's in-order path): gpt2's lines reversed, with
    /// CR LF line ends and one rank written "+N", load to the same vocabulary and the same ids
    /// on every fixture document; a rank given twice is refused naming the second line.
    @Test func aTiktokenFileInAnyLineOrderLoadsTheSameVocabulary() throws {
        let original = try String(contentsOfFile: Paths.repo("Vocab/gpt2.tiktoken"), encoding: .utf8)
        var lines = original.split(separator: "\n").map(String.init).reversed().map { $0 }
        lines[0] = lines[0].replacingOccurrences(of: " ", with: " +")
        let path = scratch + "/gpt2.tiktoken"
        try (lines.joined(separator: "\r\n") + "\r\n").write(toFile: path, atomically: true, encoding: .utf8)
        let reversed = try Tokenizer.load(path)
        #expect(try reversed.tiktokenFileContents() == Tokenizers.gpt2.tiktokenFileContents())
        let texts = try sampleTexts()
        #expect(try reversed.encodeBatch(texts, specials: .ordinary) == Tokenizers.gpt2.encodeBatch(texts, specials: .ordinary))

        try "IQ== 1\nIg== 0\nIw== 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.malformedFile(path: path, location: "line 3", message: "rank 1 appears twice")) {
            try Tokenizer.load(path)
        }
    }

    @Test func tiktokenMissingBytesIsAnInvalidVocabulary() throws {
        let path = scratch + "/partial.tiktoken"
        try "IQ== 0\nIg== 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.self) { try Tokenizer.load(path) }
    }

    @Test func malformedTokenizerJSONNamesTheJSONPath() throws {
        let path = scratch + "/bad.json"
        let json = #"{"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.malformedFile(path: path, location: #"$.model.vocab["a"]"#, message: "expected a non-negative integer, found a string")) {
            try Tokenizer.load(path)
        }
        try #"{"model": {"type": "WordPiece"}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.malformedFile(path: path, location: "$.model.type", message: #"expected "BPE", found "WordPiece""#)) {
            try Tokenizer.load(path)
        }
        try "{not json".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.self) { try Tokenizer.load(path) }
    }

    /// The same tokenizer.json with every non-ASCII character written as a \u escape (surrogate
    /// pairs above U+FFFF), as `json.dumps(ensure_ascii=True)` writes it, loads to the same
    /// tokenizer: same file when written back, same ids.
    @Test func tokenizerJSONWithUnicodeEscapesLoadsTheSame() throws {
        let tokenizer = Tokenizers.named("gpt2")
        let original = String(decoding: try tokenizer.huggingFaceJSON(), as: UTF8.self)
        var escaped = ""
        for scalar in original.unicodeScalars {
            if scalar.isASCII { escaped.unicodeScalars.append(scalar); continue }
            for unit in String(scalar).utf16 { escaped += String(format: "\\u%04x", unit) }
        }
        #expect(escaped.utf8.allSatisfy { $0 < 0x80 } && escaped != original)
        let path = scratch + "/escaped.json"
        try escaped.write(toFile: path, atomically: true, encoding: .utf8)
        let reloaded = try Tokenizer.load(path)
        #expect(try reloaded.huggingFaceJSON() == tokenizer.huggingFaceJSON())
        let texts = try sampleTexts()
        #expect(try reloaded.encodeBatch(texts, specials: .ordinary) == tokenizer.encodeBatch(texts, specials: .ordinary))
    }

    /// What json.loads refuses, the tokenizer.json reader refuses too, naming the byte offset;
    /// nesting deep enough to exhaust a recursive parser's stack is refused, not a crash.
    @Test func invalidJSONIsRefusedAtItsByteOffset() throws {
        let path = scratch + "/syntax.json"
        let cases: [(String, Int, String)] = [
            (#"{"model": {"vocab": {"a": 0,}}}"#, 28, "a member name in double quotes"),
            (#"{"model": {"vocab": {"a": 01}}}"#, 27, "no leading zero"),
            (#"{"model": {"vocab": {"\ud800": 0}}}"#, 28, "a low surrogate escape after a high surrogate"),
            ("{\"model\": {\"vocab\": {\"a\tb\": 0}}}", 23, "no raw control character inside a string (escape it)"),
            (#"{"model": {}} {}"#, 14, "the end of the document after its one value"),
            (String(repeating: "[", count: 100_000), 512, "at most 512 levels of nesting"),
        ]
        for (json, offset, expected) in cases {
            try json.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: TokenizerError.malformedFile(path: path, location: "byte \(offset)", message: "not valid JSON: expected \(expected)")) {
                try Tokenizer.load(path)
            }
        }
        // Invalid UTF-8 inside a string.
        let bytes = Array(#"{"model": {"vocab": {"a"#.utf8) + [0xC3, 0x28] + Array(#"": 0}}}"#.utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: TokenizerError.malformedFile(path: path, location: "byte 23", message: "not valid JSON: expected valid UTF-8")) {
            try Tokenizer.load(path)
        }
    }

    @Test func malformedMergesNamesTheLine() throws {
        let dir = scratch + "/gpt2-bad"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Paths.repo("Fixtures/vocab/gpt2-hf/vocab.json"), toPath: dir + "/vocab.json")
        try "#version: 0.2\nĠ t\nnotatoken x y\n".write(toFile: dir + "/merges.txt", atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.malformedFile(path: dir + "/merges.txt", location: "line 3",
                                                      message: "expected two tokens of vocab.json separated by one space, found \"notatoken x y\"")) {
            try Tokenizer.load(dir)
        }
    }

    /// The merges are resolved on all cores in ranges of lines; an error still names the first
    /// bad merge of the file, whichever range it is in, and a merge whose halves are tokens but
    /// whose joined bytes are not is an error at its line too (it named no file before).
    @Test func mergeErrorsNameTheFirstBadMergeOfTheFile() throws {
        let dir = scratch + "/gpt2-bad-late"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Paths.repo("Fixtures/vocab/gpt2-hf/vocab.json"), toPath: dir + "/vocab.json")
        let original = try String(contentsOfFile: Paths.repo("Fixtures/vocab/gpt2-hf/merges.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(original.count > 2 * 8192)  // enough merges to be split between threads
        func load(replacing replacements: [Int: String]) throws {
            var lines = original
            for (line, text) in replacements { lines[line - 1] = text }
            try lines.joined(separator: "\n").write(toFile: dir + "/merges.txt", atomically: true, encoding: .utf8)
            _ = try Tokenizer.load(dir)
        }
        let joinedNotAToken = "expected a merge of two tokens whose bytes joined are a token too, found ids 262 and 262, whose joined bytes are not in the vocabulary"
        #expect(throws: TokenizerError.malformedFile(path: dir + "/merges.txt", location: "line 3000", message: joinedNotAToken)) {
            try load(replacing: [3000: "Ġthe Ġthe", 45000: "notatoken x"])  // the first and the last thread's ranges
        }
        #expect(throws: TokenizerError.malformedFile(path: dir + "/merges.txt", location: "line 45000",
                                                      message: "expected two tokens of vocab.json separated by one space, found \"notatoken x\"")) {
            try load(replacing: [45000: "notatoken x", 49000: "Ġthe Ġthe"])
        }
        #expect(throws: TokenizerError.malformedFile(path: dir + "/merges.txt", location: "line 3",
                                                      message: "expected two tokens of vocab.json separated by one space, found \"Ġ  t\"")) {
            try load(replacing: [3: "Ġ  t"])
        }

        // The same in a tokenizer.json, whose merges are a JSON array.
        let json = try JSONSerialization.jsonObject(with: try Tokenizers.named("gpt2").huggingFaceJSON()) as! [String: Any]
        func loadJSON(replacing replacements: [Int: Any]) throws {
            var top = json, model = top["model"] as! [String: Any], merges = model["merges"] as! [Any]
            for (i, value) in replacements { merges[i] = value }
            model["merges"] = merges
            top["model"] = model
            let path = dir + "/tokenizer.json"
            try JSONSerialization.data(withJSONObject: top).write(to: URL(fileURLWithPath: path))
            _ = try Tokenizer.load(path)
        }
        #expect(throws: TokenizerError.malformedFile(path: dir + "/tokenizer.json", location: "$.model.merges[3000]", message: joinedNotAToken)) {
            try loadJSON(replacing: [3000: "Ġthe Ġthe", 40000: 7])
        }
        #expect(throws: TokenizerError.malformedFile(path: dir + "/tokenizer.json", location: "$.model.merges[40000]",
                                                      message: "expected \"left right\" or [left, right], two tokens of the vocabulary, found a number")) {
            try loadJSON(replacing: [40000: 7, 45000: ["a", "b", "c"]])
        }
        #expect(throws: TokenizerError.malformedFile(path: dir + "/tokenizer.json", location: "$.model.merges[45000]",
                                                      message: "expected \"left right\" or [left, right], two tokens of the vocabulary, found [\"a\", \"zzzzzzzz\"]")) {
            try loadJSON(replacing: [45000: ["a", "zzzzzzzz"]])
        }
        try loadJSON(replacing: [:])  // and unchanged, it loads
    }

    @Test func missingFileSaysWhatIsBundled() {
        #expect(throws: TokenizerError.self) { try Tokenizer.load("/nonexistent/tokenizer.json") }
        #expect(throws: TokenizerError.self) { try Tokenizer.load("no-such-vocabulary") }
    }

    @Test func bundledVocabulariesLoadByName() throws {
        let gpt2 = try Tokenizer.load("gpt2")
        #expect(gpt2.vocabularySize == 50257)
        #expect(gpt2.pattern == .gpt2)
        let cl100k = try Tokenizer.load("cl100k_base")
        #expect(cl100k.specialTokenID("<|endoftext|>") == 100257)
        #expect(cl100k.pattern == .cl100k)
    }
}
