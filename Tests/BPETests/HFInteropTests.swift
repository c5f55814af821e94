import BPE
import Crypto
import Foundation
import TestSupport
import Testing

/// Hugging Face interop of the tokenizer files Tokenmill writes, checked without Python against
/// Fixtures/reference/hf-interop.json (what `tokenizers` 0.23.3, tiktoken 0.14.0 and
/// transformers 5.24.0 gave for those files: scripts/make_hf_interop_fixtures.py). A file HF was
/// checked on is pinned by its SHA-256, so a change to the writer fails here until the fixture
/// is made again (and checked again by HF). Where the packages are installed, the same checks
/// run live against the files written now.
@Suite struct HFInteropTests {
    static var fixture: [String: Any] {
        let data = FileManager.default.contents(atPath: Paths.repo("Fixtures/reference/hf-interop.json"))!
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func vocabulary(_ name: String) -> [String: Any] {
        (fixture["vocabularies"] as! [String: Any])[name] as! [String: Any]
    }

    static func tokenizer(_ name: String) throws -> Tokenizer {
        try Tokenizer.load(name.hasSuffix(".json") ? Paths.repo("Vocab/" + name) : name)
    }

    static func sha256(_ data: some DataProtocol) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    static func ids(_ value: Any?) -> [[TokenID]] { (value as! [[Int]]).map { $0.map(TokenID.init) } }

    /// `tokenmill convert --hf-dir` writes, for each vocabulary, the very files HF was checked on:
    /// tokenizer.json, tokenizer_config.json and special_tokens_map.json (same SHA-256). Before
    /// the fix cl100k_base and o200k_base had no special tokens in `model.vocab` (other bytes) and
    /// no companion files were written.
    @Test(arguments: ["gpt2", "cl100k_base", "o200k_base", "tokenmill-demo-8k.json"])
    func writtenFilesAreTheOnesHFWasCheckedOn(name: String) throws {
        let dir = try CLI.temporaryDirectory("hf-dir")
        let source = name.hasSuffix(".json") ? Paths.repo("Vocab/" + name) : name
        let r = try CLI.run(["convert", "--tokenizer", source, "--hf-dir", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let recorded = Self.vocabulary(name)["files_sha256"] as! [String: String]
        #expect(recorded.count == 3)
        for (file, sha) in recorded {
            let data = try #require(FileManager.default.contents(atPath: dir + "/" + file), "\(file) was not written")
            #expect(Self.sha256(data) == sha, "\(name): \(file) differs from the file HF was checked on; run scripts/make_hf_interop_fixtures.py")
        }
        // The library writes the same bytes as the CLI.
        let tokenizer = try Self.tokenizer(name)
        #expect(Self.sha256(try tokenizer.huggingFaceJSON()) == recorded["tokenizer.json"])
    }

    /// HF gives tiktoken's ids for the special tokens (cl100k_base: <|endoftext|> 100257 and
    /// <|endofprompt|> 100276, not 100256 and 100260; o200k_base: 199999 and 200018), and for
    /// real text around them; Tokenmill gives the same, and so does transformers' AutoTokenizer
    /// on the --hf-dir folder, with <|endoftext|> as its eos token.
    @Test(arguments: ["gpt2", "cl100k_base", "o200k_base", "tokenmill-demo-8k.json"])
    func hfGivesTokenmillIdsForSpecialsAndText(name: String) throws {
        let entry = Self.vocabulary(name)
        let tokenizer = try Self.tokenizer(name)
        let toID = (entry["token_to_id"] as! [String: Int]).mapValues(TokenID.init)
        #expect(toID == tokenizer.specialTokens)
        if let tiktoken = entry["tiktoken_special_ids"] as? [String: Int] { #expect(toID == tiktoken.mapValues(TokenID.init)) }
        let texts = entry["texts"] as! [String]
        let hf = Self.ids(entry["hf_ids"])
        let mine = try texts.map { try tokenizer.encode($0, specials: .allow) }
        #expect(mine == hf)
        if let tiktoken = entry["tiktoken_ids"] { #expect(Self.ids(tiktoken) == hf) }
        let auto = entry["auto_tokenizer"] as! [String: Any]
        #expect(Self.ids(auto["ids"]) == hf)
        let eot = tokenizer.specialTokenID("<|endoftext|>").map(Int.init)
        #expect(auto["eos_token_id"] as? Int == eot && auto["bos_token_id"] as? Int == eot)
    }

    /// Reading back a file with the specials in `model.vocab` gives the same tokenizer: the
    /// entries are the special tokens, not BPE tokens (FormatTests.huggingFaceRoundTrip checks
    /// the ids; this checks the model itself).
    @Test(arguments: ["cl100k_base", "o200k_base"])
    func specialsInModelVocabReadBackAsSpecials(name: String) throws {
        let tokenizer = try Self.tokenizer(name)
        let path = try CLI.temporaryDirectory("hf-read") + "/tokenizer.json"
        try tokenizer.huggingFaceJSON().write(to: URL(fileURLWithPath: path))
        let reloaded = try Tokenizer.load(path)
        #expect(reloaded.model.count == tokenizer.model.count)
        #expect(reloaded.specialTokens == tokenizer.specialTokens)
        #expect(reloaded.vocabularySize == tokenizer.vocabularySize)
    }

    static func postProcessor(_ name: String) -> [String: Any] {
        (fixture["post_processors"] as! [String: Any])[name] as! [String: Any]
    }

    /// The demo tokenizer.json with `"post_processor": null` replaced as the fixture script did
    /// (same bytes: checked by SHA-256).
    static func postProcessorFile(_ name: String) throws -> String {
        let entry = postProcessor(name)
        let original = try String(contentsOfFile: Paths.repo("Vocab/tokenmill-demo-8k.json"), encoding: .utf8)
        let text = original.replacingOccurrences(of: #""post_processor": null"#, with: #""post_processor": "# + (entry["post_processor_json"] as! String))
        let path = try CLI.temporaryDirectory("hf-pp") + "/tokenizer.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(sha256(Data(text.utf8)) == entry["sha256"] as? String)
        return path
    }

    /// A post-processor that adds tokens (HF prepends <|endoftext|> with add_special_tokens=True,
    /// its default) is refused with an error naming $.post_processor, instead of being ignored
    /// (before the fix Tokenmill loaded these files and gave HF's add_special_tokens=False ids).
    @Test(arguments: ["template-bos", "sequence-bytelevel-template-bos", "roberta"])
    func postProcessorThatAddsTokensIsRefused(name: String) throws {
        let path = try Self.postProcessorFile(name)
        let entry = Self.postProcessor(name)
        // HF adds tokens here (otherwise refusing would be wrong).
        #expect(Self.ids(entry["hf_ids_add_special_tokens"]) != Self.ids(entry["hf_ids_no_special_tokens"]))
        do {
            _ = try Tokenizer.load(path)
            Issue.record("\(name): loaded a tokenizer.json whose post_processor adds tokens")
        } catch let TokenizerError.malformedFile(file, location, message) {
            #expect(file == path)
            #expect(location.hasPrefix("$.post_processor"), "\(location)")
            #expect(message.contains("set \"post_processor\" to null"), "\(message)")
        }
    }

    /// A post-processor that adds nothing to a single sequence (ByteLevel; a template that adds
    /// tokens only between pairs) loads, and Tokenmill gives HF's default ids.
    @Test(arguments: ["bytelevel", "template-pair-only"])
    func postProcessorThatAddsNothingIsAccepted(name: String) throws {
        let path = try Self.postProcessorFile(name)
        let entry = Self.postProcessor(name)
        let tokenizer = try Tokenizer.load(path)
        let texts = entry["texts"] as! [String]
        let hf = Self.ids(entry["hf_ids_add_special_tokens"])
        #expect(try texts.map { try tokenizer.encode($0, specials: .allow) } == hf)
        #expect(hf == Self.ids(entry["hf_ids_no_special_tokens"]))
    }

    static let hfPackages = ["tokenizers", "tiktoken"]

    /// Live: scripts/check_hf_interop.py converts gpt2, cl100k_base and o200k_base with the built
    /// CLI, loads them in HF tokenizers and compares with tiktoken: special-token ids, texts with
    /// special tokens encoded as specials, and every Fixtures/corpus document as ordinary text.
    @Test(.enabled(if: ReferencePython.with(["tokenizers", "tiktoken"]) != nil, Comment(rawValue: ReferencePython.missing(["tokenizers", "tiktoken"]))))
    func hfTokenizersGiveTiktokenIdsOnConvertedFiles() throws {
        let python = try #require(ReferencePython.with(Self.hfPackages))
        let r = try ReferencePython.run(python, [Paths.repo("scripts/check_hf_interop.py")])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("cl100k_base: token_to_id of 5 special tokens: identical to tiktoken"), "\(r.stdout)")
        #expect(r.stdout.contains("o200k_base: token_to_id of 2 special tokens: identical to tiktoken"), "\(r.stdout)")
    }
}
