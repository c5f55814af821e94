import Cleaning
import Crypto
import Foundation
import Shards
import TestSupport

/// The documents of Fixtures/ as tokenmill reads them, and datatrove's decisions on them
/// (Fixtures/cleaning/datatrove-reference.jsonl, written by scripts/cleaning-reference.py).
enum Reference {
    struct Entry {
        var source: String
        var sha256: String
        var filters: [String: String?]
        var piiChanged: Bool
        var piiSHA256: String
        var minhash: [[UInt64]]?
    }

    static let inputs = ["Fixtures/corpus", "Fixtures/formats/warc", "Fixtures/formats/wet"]

    /// source (relative to the repository) → normalized text, read with `tokenmill clean`'s code.
    static let documents: [(source: String, text: [UInt8])] = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cleaning-tests-\(getpid())").path
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = ShardOptions(inputs: try! ShardJob.expandInputs(inputs.map { Repository.path($0) }))
        options.dedup = false
        let job = try! ShardJob(textOptions: options, threads: 2)
        _ = try! job.runText(to: directory + "/docs.jsonl")
        let data = FileManager.default.contents(atPath: directory + "/docs.jsonl")!
        return data.split(separator: 0x0A).map { line in
            let object = try! JSONSerialization.jsonObject(with: Data(line)) as! [String: String]
            var source = object["source"]!
            if source.hasPrefix(Repository.root + "/") { source.removeFirst(Repository.root.count + 1) }
            return (source, Array(object["text"]!.utf8))
        }
    }()

    static let entries: [String: Entry] = {
        let data = FileManager.default.contents(atPath: Repository.path("Fixtures/cleaning/datatrove-reference.jsonl"))!
        var out: [String: Entry] = [:]
        for line in data.split(separator: 0x0A) {
            let o = try! JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            let filters = (o["filters"] as! [String: Any]).mapValues { $0 as? String }
            let minhash = (o["minhash"] as? [[String]])?.map { $0.map { UInt64($0, radix: 16)! } }
            let e = Entry(source: o["source"] as! String, sha256: o["sha256"] as! String, filters: filters,
                          piiChanged: o["pii_changed"] as! Bool, piiSHA256: o["pii_sha256"] as! String, minhash: minhash)
            out[e.source] = e
        }
        return out
    }()

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    /// The text of the document read from `source` (relative path, `#record` or `:line` included).
    static func text(_ source: String) -> [UInt8] {
        guard let d = documents.first(where: { $0.source == source }) else { fatalError("no document \(source) among \(documents.map(\.source))") }
        return d.text
    }

    /// Our reason (datatrove's rule name) for one filter, or nil when kept.
    static func decision(_ filter: String, _ text: [UInt8]) -> String? {
        var document = CleaningDocument(utf8: text)
        let reason: CleaningRule?
        switch filter {
        case "gopher-rep": reason = GopherRepetitionFilter().apply(&document)
        case "gopher-quality": reason = GopherQualityFilter().apply(&document)
        case "c4": reason = C4QualityFilter().apply(&document)
        case "fineweb-quality": reason = FineWebQualityFilter().apply(&document)
        default: fatalError(filter)
        }
        return reason?.rule
    }
}
