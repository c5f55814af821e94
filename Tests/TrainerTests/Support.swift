import BPE
import Corpus
import Foundation
import TestSupport
import Trainer

enum Paths {
    static var root: String { CLI.root }
    static func repo(_ relative: String) -> String { root + "/" + relative }
    static func corpus(_ relative: String) -> String { root + "/Fixtures/corpus/" + relative }
}

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "trainer-tests-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A straightforward BPE: count every adjacent pair over all words, take the most frequent (ties:
/// smaller (left id, right id)), merge it left to right everywhere, repeat. Ids: the 256 bytes in
/// `ByteAlphabet.order`, then new tokens in order (a merge that makes existing bytes reuses the id).
func referenceMerges(words: [([UInt8], UInt64)], merges limit: Int, minFrequency: UInt64 = 0,
                     maxTokenLength: Int = .max) -> [(left: [UInt8], right: [UInt8])] {
    var tokens: [[UInt8]] = ByteAlphabet.order.map { [$0] }
    var ids: [[UInt8]: UInt32] = [:]
    for (i, t) in tokens.enumerated() { ids[t] = UInt32(i) }
    var seqs = words.map { w in w.0.map { ByteAlphabet.idOfByte[Int($0)] } }
    var result: [(left: [UInt8], right: [UInt8])] = []
    var made = 0
    while made < limit {
        var counts: [UInt64: UInt64] = [:]
        for (k, s) in seqs.enumerated() where s.count >= 2 {
            for i in 0..<(s.count - 1) {
                let len = tokens[Int(s[i])].count + tokens[Int(s[i + 1])].count
                guard len == 2 || len < maxTokenLength else { continue }
                counts[UInt64(s[i]) << 32 | UInt64(s[i + 1]), default: 0] += words[k].1
            }
        }
        guard let best = counts.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }),
              best.value >= max(1, minFrequency) else { break }
        let a = UInt32(best.key >> 32), b = UInt32(truncatingIfNeeded: best.key)
        let bytes = tokens[Int(a)] + tokens[Int(b)]
        let id: UInt32
        if let e = ids[bytes] { id = e } else { id = UInt32(tokens.count); tokens.append(bytes); ids[bytes] = id; made += 1 }
        result.append((tokens[Int(a)], tokens[Int(b)]))
        for k in seqs.indices {
            var out: [UInt32] = []
            var i = 0
            let s = seqs[k]
            while i < s.count {
                if i + 1 < s.count && s[i] == a && s[i + 1] == b { out.append(id); i += 2 } else { out.append(s[i]); i += 1 }
            }
            seqs[k] = out
        }
    }
    return result
}

/// Pre-token counts of texts, by the BPE pre-tokenizer.
func preTokenCounts(_ texts: [String], pattern: SplitPattern = .gpt2) -> [([UInt8], UInt64)] {
    let pre = try! PreTokenizer(pattern: pattern)
    var counts: [[UInt8]: UInt64] = [:]
    for t in texts {
        for p in pre.pieces(t) { counts[Array(p.utf8), default: 0] += 1 }
    }
    return counts.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { ($0.key, $0.value) }
}

func lines(_ path: String, _ range: Range<Int>) -> String {
    let text = String(decoding: try! InputFile.read(Paths.corpus(path)), as: UTF8.self)
    return text.split(separator: "\n", omittingEmptySubsequences: false)[range].joined(separator: "\n")
}
