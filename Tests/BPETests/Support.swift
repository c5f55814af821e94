import BPE
import Corpus
import Foundation
import TestSupport
import TokenmillSupport

/// Paths and shared fixtures for the BPE tests.
enum Paths {
    static var root: String { CLI.root }
    static func repo(_ relative: String) -> String { root + "/" + relative }
    /// `../shared` beside the checkout (present on developer machines and in CI).
    static var shared: String? { Repository.shared }
}

enum Tokenizers {
    static let gpt2 = try! Tokenizer.load(Paths.repo("Vocab/gpt2.tiktoken"))
    static let cl100k = try! Tokenizer.load(Paths.repo("Vocab/cl100k_base.tiktoken"))
    static let o200k = try! Tokenizer.load(Paths.repo("Vocab/o200k_base.tiktoken"))
    static let anthropic = try! Tokenizer.load(Paths.repo("Fixtures/vocab/anthropic-legacy/tokenizer.json"))

    static func named(_ name: String) -> Tokenizer {
        switch name {
        case "gpt2": return gpt2
        case "cl100k": return cl100k
        case "o200k": return o200k
        default: return anthropic
        }
    }
}

/// One fixture document with its reference ids.
struct ReferenceDocument {
    let path: String
    let ids: [TokenID]
    var text: [UInt8] { UTF8Validation.repair(try! InputFile.read(Paths.repo("Fixtures/corpus/" + path))).bytes }
}

enum References {
    /// Reads `Fixtures/reference/<name>.jsonl.zst` (written by scripts/make_reference_ids.py).
    static func load(_ name: String) throws -> [ReferenceDocument] {
        let bytes = try InputFile.read(Paths.repo("Fixtures/reference/\(name).jsonl.zst"))
        return try bytes.split(separator: 0x0A).map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            return ReferenceDocument(path: object["path"] as! String, ids: (object["ids"] as! [Int]).map { TokenID($0) })
        }
    }

    struct Digest { let count: Int; let sha256: String }
    struct CorpusDocument { let path: String; let textSHA256: String; let digests: [String: Digest] }

    static let corpusDigests: [CorpusDocument] = {
        let bytes = try! InputFile.read(Paths.repo("Fixtures/reference/corpus-digests.json.zst"))
        let root = try! JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        return (root["documents"] as! [[String: Any]]).map { record in
            var digests: [String: Digest] = [:]
            for (key, value) in record {
                if let d = value as? [String: Any] { digests[key] = Digest(count: d["count"] as! Int, sha256: d["sha256"] as! String) }
            }
            return CorpusDocument(path: record["path"] as! String, textSHA256: record["text_sha256"] as! String, digests: digests)
        }
    }()
}

/// Reads a shared-corpus document as the reference script does: decompressed, invalid UTF-8 replaced.
func sharedDocument(_ path: String) throws -> [UInt8] {
    UTF8Validation.repair(try InputFile.read(Paths.shared! + "/corpora/" + path)).bytes
}

/// The first index where two id sequences differ, for readable failures.
func firstDifference(_ a: [TokenID], _ b: [TokenID]) -> String {
    let n = zip(a, b).prefix { $0 == $1 }.count
    return "first difference at index \(n) of \(a.count)/\(b.count): \(a.dropFirst(n).prefix(8)) vs \(b.dropFirst(n).prefix(8))"
}
