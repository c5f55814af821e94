import BPE
import Corpus
import Foundation
import TestSupport
import Testing

/// `tokenmill quickstart` at a reduced size (small vocabulary, tiny model, a few dozen steps),
/// checking every artifact of the run folder with the tools a user would use on it.
@Suite struct QuickstartTests {
    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    @Test func reducedQuickstartProducesEveryArtifact() throws {
        let out = try CLI.temporaryDirectory("quickstart") + "/run folder"
        let result = try CLI.run(["quickstart", "--out", out, "--vocab-size", "512", "--preset", "tiny", "--steps", "40"])
        #expect(result.status == 0, "\(result.stderr)")
        // One summary line per stage, on stdout (piped: no progress lines, no carriage returns).
        for stage in ["normalize:", "vocabulary:", "shard:", "statistics:", "pretrain:", "report:"] {
            #expect(result.text.contains("\n" + stage), "missing \(stage) in \(result.text)")
        }
        #expect(!result.stderr.contains("\r") && !result.text.contains("\r"))

        // The tokenizer loads and round-trips real text.
        let tokenizer = try Tokenizer.load(out + "/tokenizer.json")
        #expect(tokenizer.vocabularySize == 512)
        #expect(tokenizer.specialTokenID("<|endoftext|>") == 511)
        let text = try String(contentsOfFile: CLI.fixtures + "/corpus/multilingual/de-fortunes.excerpt.txt", encoding: .utf8)
        #expect(try tokenizer.decode(try tokenizer.encode(text)) == text)

        // The shards verify, and hold what the normalize stage wrote (less duplicates).
        let verify = try CLI.run(["verify", out + "/shards"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.text.contains("shards verified"))
        let manifest = try json(out + "/shards/manifest.json")
        let lines = try InputFile.read(out + "/normalized.jsonl").split(separator: 0x0A).count
        #expect(manifest["documents_read"] as? Int == lines)
        let splits = manifest["splits"] as! [String: [String: Int]]
        #expect((splits["val"]?["documents"] ?? 0) > 0 && (splits["train"]?["documents"] ?? 0) > 0)

        // The checkpoint loads and generates.
        let generated = try CLI.run(["generate", "--checkpoint", out + "/run", "--prompt", "In Python, a class", "--max-tokens", "12", "--seed", "3", "--ignore-eot"])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.text.hasPrefix("In Python, a class") && generated.text.count > "In Python, a class\n".count)

        // The report, the loss curve and the machine-readable report.
        let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        for heading in ["## Vocabulary", "## Shards", "## Pretraining", "## Samples", "![loss curve](run/loss.svg)", "Before training:", "After training:"] {
            #expect(markdown.contains(heading), "report.md lacks \(heading)")
        }
        let svg = try String(contentsOfFile: out + "/run/loss.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline"))
        let report = try json(out + "/report.json")
        let vocabulary = report["vocabulary"] as! [String: Any]
        #expect(vocabulary["size"] as? Int == 512 && vocabulary["merges"] as? Int == 255)
        #expect((vocabulary["bytes_per_token_val"] as? Double ?? 0) > 1)
        let shards = report["shards"] as! [String: Any]
        #expect(shards["documents_kept"] as? Int == manifest["documents_kept"] as? Int)
        #expect((shards["compression_ratio"] as? Double ?? 0) > 1)
        let training = report["training"] as! [String: Any]
        #expect(training["steps"] as? Int == 40)
        let initialVal = try #require(training["initial_val_loss"] as? Double)
        let finalVal = try #require(training["final_val_loss"] as? Double)
        #expect(finalVal < initialVal, "validation loss did not fall: \(initialVal) → \(finalVal)")
        let samples = report["samples"] as! [[String: String]]
        #expect(samples.count == 3 && samples.allSatisfy { !($0["before_training"] ?? "").isEmpty })

        // The losses in the report are those of the run's own metrics.
        let metrics = try InputFile.read(out + "/run/metrics.jsonl").split(separator: 0x0A)
            .map { try JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
        let val = metrics.filter { $0["type"] as? String == "val" }.compactMap { ($0["loss"] as? NSNumber)?.doubleValue }
        #expect(val.first.map { abs($0 - initialVal) < 1e-5 } == true && val.last.map { abs($0 - finalVal) < 1e-5 } == true)

        // A second run does not mix with the first unless asked to.
        let again = try CLI.run(["quickstart", "--out", out, "--vocab-size", "512", "--preset", "tiny", "--steps", "2"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("--overwrite"))
    }

    @Test func missingCorpusIsAClearError() throws {
        let out = try CLI.temporaryDirectory("quickstart-missing")
        let result = try CLI.run(["quickstart", "--out", out + "/run", "--corpus", out + "/no-such-folder"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no-such-folder") && result.stderr.contains("does not exist"))
    }
}
