import BPE
import Foundation
import GPTModule
import Pipeline
import TestSupport
import Testing

/// A checkpoint folder loads in transformers' AutoTokenizer: tokenizer_config.json and
/// special_tokens_map.json are written beside its tokenizer.json, and config.json names bos/eos
/// only when the tokenizer has an end-of-text token (explicit nulls otherwise). Checked without
/// Python against Fixtures/reference/hf-interop.json (what transformers 5.24.0 said of checkpoints
/// written by `tokenmill pretrain`: scripts/make_hf_interop_fixtures.py), and live where
/// transformers is installed.
@Suite struct HFTokenizerFilesTests {
    static var fixture: [String: Any] {
        let data = FileManager.default.contents(atPath: CLI.root + "/Fixtures/reference/hf-interop.json")!
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func checkpoint(_ name: String) -> [String: Any] {
        (fixture["checkpoints"] as! [String: Any])[name] as! [String: Any]
    }

    static let demoPath = CLI.root + "/Vocab/tokenmill-demo-8k.json"

    /// A checkpoint of a small model written by GPTCheckpoint.save (as training writes it), with
    /// the demo tokenizer (`endOfText` 8191) or, without an end-of-text token, none.
    static func writeCheckpoint(endOfText: Int?, contextLength: Int) throws -> String {
        let config = GPTConfig(vocabSize: 8192, contextLength: contextLength, layers: 1, heads: 1, channels: 16)
        let model = try GPT(config: config, seed: 1)
        let dir = try CLI.temporaryDirectory("hf-ckpt") + "/step-000001"
        var options = PretrainOptions(); options.context = contextLength
        let info = CheckpointInfo(step: 1, config: config, options: options, tokenizerFingerprint: "00", endOfText: endOfText, tokensSeen: 0, threads: 1)
        let tokenizerJSON = try Data(contentsOf: URL(fileURLWithPath: demoPath))
        try GPTCheckpoint.save(to: dir, model: model, optimizer: nil, loaderStateJSON: nil, info: info, tokenizerJSON: tokenizerJSON)
        return dir
    }

    static func configJSON(_ dir: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as! [String: Any]
    }

    /// The companion files are the ones transformers was checked on (byte for byte), and
    /// config.json names the end-of-text token as bos/eos. Before the fix neither file existed.
    @Test func checkpointWritesTheTokenizerFilesTransformersReads() throws {
        let entry = Self.checkpoint("demo-8k")
        let files = entry["files"] as! [String: String]
        let dir = try Self.writeCheckpoint(endOfText: 8191, contextLength: entry["model_max_length"] as! Int)
        #expect(files.count == 2)
        for (name, text) in files {
            let written = try #require(FileManager.default.contents(atPath: dir + "/" + name), "\(name) missing")
            #expect(String(decoding: written, as: UTF8.self) == text, "\(name)")
        }
        let config = try Self.configJSON(dir)
        #expect(config["bos_token_id"] as? Int == 8191 && config["eos_token_id"] as? Int == 8191)
        // What transformers said of such a folder, and Tokenmill's ids for the same texts.
        #expect(entry["config_eos_token_id"] as? Int == 8191 && entry["config_bos_token_id"] as? Int == 8191)
        let auto = entry["auto_tokenizer"] as! [String: Any]
        #expect(auto["eos_token_id"] as? Int == 8191 && auto["bos_token_id"] as? Int == 8191)
        let tokenizer = try Tokenizer.load(Self.demoPath)
        let texts = entry["texts"] as! [String]
        #expect(try texts.map { try tokenizer.encode($0, specials: .allow).map(Int.init) } == auto["ids"] as! [[Int]])
    }

    /// Without an end-of-text token, config.json has explicit nulls (transformers' GPT2Config
    /// would otherwise default both to 50256) and the tokenizer files name no bos/eos. Before the
    /// fix the keys were left out of config.json.
    @Test func checkpointWithoutEndOfTextNamesNoBosOrEos() throws {
        let entry = Self.checkpoint("no-specials")
        let dir = try Self.writeCheckpoint(endOfText: nil, contextLength: entry["model_max_length"] as! Int)
        let config = try Self.configJSON(dir)
        #expect(config["bos_token_id"] is NSNull && config["eos_token_id"] is NSNull, "\(config)")
        for (name, text) in entry["files"] as! [String: String] {
            let written = try #require(FileManager.default.contents(atPath: dir + "/" + name), "\(name) missing")
            #expect(String(decoding: written, as: UTF8.self) == text, "\(name)")
        }
        #expect(entry["config_eos_token_id"] is NSNull && entry["config_bos_token_id"] is NSNull)
        let auto = entry["auto_tokenizer"] as! [String: Any]
        #expect(auto["eos_token_id"] is NSNull && auto["bos_token_id"] is NSNull)
    }

    static let packages = ["transformers", "tokenizers"]

    /// Live: AutoTokenizer.from_pretrained and AutoConfig.from_pretrained on checkpoints written
    /// now give Tokenmill's ids and bos/eos (8191, or None without an end-of-text token).
    @Test(.enabled(if: ReferencePython.with(["transformers", "tokenizers"]) != nil, Comment(rawValue: ReferencePython.missing(["transformers", "tokenizers"]))))
    func transformersAutoTokenizerLoadsACheckpoint() throws {
        let python = try #require(ReferencePython.with(Self.packages))
        let tokenizer = try Tokenizer.load(Self.demoPath)
        let texts = Self.checkpoint("demo-8k")["texts"] as! [String]
        let script = """
            import json, sys
            from transformers import AutoConfig, AutoTokenizer
            d, texts = sys.argv[1], json.loads(sys.argv[2])
            t, c = AutoTokenizer.from_pretrained(d), AutoConfig.from_pretrained(d)
            print(json.dumps({"bos": t.bos_token_id, "eos": t.eos_token_id, "config_bos": c.bos_token_id,
                              "config_eos": c.eos_token_id, "ids": [t(x)["input_ids"] for x in texts]}))
            """
        let textsJSON = String(decoding: try JSONSerialization.data(withJSONObject: texts), as: UTF8.self)
        for endOfText in [8191, nil] as [Int?] {
            let dir = try Self.writeCheckpoint(endOfText: endOfText, contextLength: 64)
            let r = try ReferencePython.run(python, ["-c", script, dir, textsJSON])
            #expect(r.status == 0, "\(r.stderr)")
            let line = try #require(r.stdout.split(separator: "\n").last)
            let got = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            for key in ["bos", "eos", "config_bos", "config_eos"] {
                if let endOfText { #expect(got[key] as? Int == endOfText, "\(key)") } else { #expect(got[key] is NSNull, "\(key)") }
            }
            #expect(try texts.map { try tokenizer.encode($0, specials: .allow).map(Int.init) } == got["ids"] as! [[Int]])
        }
    }
}
