import Corpus
import Crypto
import Foundation
import TokenmillSupport

/// What every reader of a shard directory checks against its manifest, and what `verify` checks
/// in full. Why in one place: `cat`, `inspect`, the DataLoader, `pretrain` and `verify` must
/// refuse the same damaged or mismatched files with the same messages (issue 16, items 5 and 7).
extension Manifest {
    /// Refuses `file` entries that would leave the shard directory (absolute paths, `..`, empty
    /// components): a manifest names files inside its own directory only. Run by `load`.
    func checkPaths(directory: String) throws {
        func check(_ file: String, _ field: String) throws {
            let parts = file.split(separator: "/", omittingEmptySubsequences: false)
            guard !file.isEmpty, !file.hasPrefix("/"), !parts.contains(where: { $0.isEmpty || $0 == ".." || $0 == "." }) else {
                throw ShardError("\(directory)/manifest.json: \(field) = \"\(file)\" leaves the shard directory (expected a relative path inside \(directory), without `..`); the manifest is damaged or was edited, refusing to read it")
            }
        }
        try check(tokenizer.file, "tokenizer.file")
        for (i, shard) in shards.enumerated() { try check(shard.file, "shards[\(i)].file") }
    }

    /// The path of the shard set's tokenizer copy.
    public func tokenizerPath(directory: String) -> String { directory + "/" + tokenizer.file }

    /// The bytes of the shard set's `tokenizer.json` copy, after checking that their SHA-256 is
    /// the manifest's tokenizer fingerprint (the copy is written as exactly the bytes the
    /// fingerprint hashes). A flipped byte, a replaced or a missing copy is refused, naming the
    /// file: decoding or training with another tokenizer would give the ids other meanings.
    public func tokenizerCopy(directory: String) throws -> Data {
        let path = tokenizerPath(directory: directory)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ShardError("\(path) is missing or unreadable: the shard set's tokenizer copy (fingerprint \(tokenizer.fingerprint.prefix(16))…) is needed to decode its ids; restore it, or re-run `tokenmill shard`")
        }
        let found = Hex.encode(SHA256.hash(data: data))
        guard found == tokenizer.fingerprint else {
            throw ShardError("\(path): SHA-256 \(found.prefix(16))… differs from the manifest's tokenizer fingerprint \(tokenizer.fingerprint.prefix(16))…: the tokenizer copy was changed or replaced, and its ids would mean other text; restore it (e.g. `tokenmill convert`/the tokenizer the set was made with), or re-run `tokenmill shard`")
        }
        return data
    }

    /// Opens shard `summary` and checks it against the manifest without reading its blocks:
    /// size, split, header fields (tokenizer fingerprint, vocabulary size, id width, end-of-text)
    /// and the footer's token and document counts. O(index); `verify` adds the SHA-256.
    public func openShard(_ summary: ShardSummary, directory: String) throws -> ShardReader {
        let reader = try ShardReader(path: directory + "/" + summary.file)
        let name = summary.file
        func fail(_ what: String) -> ShardError {
            ShardError("\(name): \(what) (manifest.json of \(directory)): the shard comes from another run or was changed; re-run `tokenmill shard`", shard: name)
        }
        guard reader.fileSize == summary.bytes else { throw fail("\(reader.fileSize) bytes, the manifest says \(summary.bytes)") }
        guard (name as NSString).lastPathComponent.hasPrefix(summary.split.rawValue + "-") else { throw fail("listed under split \"\(summary.split)\"") }
        let h = reader.header
        guard h.fingerprintHex == tokenizer.fingerprint else {
            throw fail("header field fingerprint \(h.fingerprintHex.prefix(16))… differs from the manifest's tokenizer fingerprint \(tokenizer.fingerprint.prefix(16))…")
        }
        guard h.vocabularySize == tokenizer.vocabularySize, h.tokenBytes == tokenizer.tokenBytes, h.endOfText == tokenizer.endOfText else {
            throw fail("header fields vocabulary_size \(h.vocabularySize), token_bytes \(h.tokenBytes), end_of_text \(h.endOfText.map(String.init) ?? "none") differ from the manifest's \(tokenizer.vocabularySize), \(tokenizer.tokenBytes), \(tokenizer.endOfText.map(String.init) ?? "none")")
        }
        guard reader.tokenCount == summary.tokens, reader.documentCount == summary.documents else {
            throw fail("footer fields token_count \(reader.tokenCount), document_count \(reader.documentCount) differ from the manifest's \(summary.tokens), \(summary.documents)")
        }
        return reader
    }

    /// Disagreements between the manifest's shard list and its totals, and shard files in the
    /// directory that the manifest does not list: an entry removed or duplicated in the manifest
    /// would silently drop or double tokens in every reader.
    public func listProblems(directory: String) -> [String] {
        var problems: [String] = []
        var seen = Set<String>()
        for shard in shards where !seen.insert(shard.file).inserted {
            problems.append("manifest.json lists \(shard.file) more than once: every reader would read its tokens twice")
        }
        func expect(_ field: String, _ stated: Int, _ summed: Int?, _ what: String) {
            guard let summed else {
                problems.append("manifest.json: the \(what) of its shard list sum past \(Int.max) (field \(field) = \(stated)): the manifest is damaged")
                return
            }
            if stated != summed { problems.append("manifest.json: field \(field) = \(stated), but its shard list sums to \(summed) \(what)") }
        }
        // Summed with overflow checks: an edited count of 2^63 - 1 trapped here (docs/fuzzing.md).
        func sum(_ list: [ShardSummary], _ value: (ShardSummary) -> Int) -> Int? {
            var total = 0
            for shard in list {
                let (next, overflow) = total.addingReportingOverflow(value(shard))
                if overflow { return nil }
                total = next
            }
            return total
        }
        expect("tokens", tokens, sum(shards, \.tokens), "tokens")
        expect("documents_kept", documentsKept, sum(shards, \.documents), "documents")
        expect("bytes_out", bytesOut, sum(shards, \.bytes), "bytes")
        for (split, totals) in splits.sorted(by: { $0.key < $1.key }) {
            let listed = shards.filter { $0.split == split }
            expect("splits.\(split).shards", totals.shards, listed.count, "shards")
            expect("splits.\(split).tokens", totals.tokens, sum(listed, \.tokens), "tokens")
            expect("splits.\(split).documents", totals.documents, sum(listed, \.documents), "documents")
        }
        for split in Set(shards.map(\.split)).sorted() where splits[split] == nil {
            problems.append("manifest.json lists \(split) shards but has no splits.\(split) totals")
        }
        let listed = Set(shards.map(\.file))
        if let walker = FileManager.default.enumerator(atPath: directory) {
            var unlisted: [String] = []
            while let relative = walker.nextObject() as? String {
                if relative.hasSuffix("." + ShardFormat.fileExtension) && !listed.contains(relative) { unlisted.append(relative) }
            }
            for file in unlisted.sorted() {
                problems.append("\(file) is in the directory but not in manifest.json: an entry was removed (its tokens would be silently skipped), or the file does not belong here")
            }
        }
        return problems
    }

    /// Checks the whole file of shard `summary` (opened with `openShard`) against the manifest's
    /// SHA-256: a shard from another run with the same tokenizer and counts differs here.
    public func checkDigest(_ summary: ShardSummary, directory: String) throws {
        let (size, sha256) = try ShardJob.hashFile(directory + "/" + summary.file)
        guard size == summary.bytes, sha256 == summary.sha256 else {
            throw ShardError("\(summary.file): SHA-256 \(sha256.prefix(16))… (\(size) bytes) differs from the manifest's \(summary.sha256.prefix(16))… (\(summary.bytes) bytes): the file was replaced or changed after the run; re-run `tokenmill shard`", shard: summary.file)
        }
    }
}
