import BPE
import Cleaning
import Corpus
import Crypto
import Dispatch
import Foundation
import Normalizer
import Synchronization
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif


/// Finishing shards and resuming a killed run from its journal; which files in the output
/// folder are the job's own.
extension ShardJob {
    func closeShard(_ split: DataSplit, _ state: inout State) throws {
        guard let writer = state.writers[split] else { return }
        state.writers[split] = nil
        let summary = try writer.finish(split: split)
        state.shards.append(summary)
        state.shardIndex[split]! += 1
        state.skip[split] = state.skip[split]! + summary.documents
        var finished = JournalEntry.FinishedShard(summary: summary, documentsThrough: state.skip[split]!, input: state.reading)
        if let stdin = state.stdin {
            finished.stdin = JournalEntry.StandardInputPrefix(bytes: stdin.consumed, sha256: stdin.sha256)
            if !stdin.verified { state.heldBack.append(.shard(finished)); return }
        }
        try releaseHeldBack(&state)
        try journal?.append(.shard(finished))
    }

    /// Journals the shard entries held back while a resumed run's standard input was unchecked,
    /// once the check has passed (an unchecked stream throws before its end, see `StandardInput`).
    func releaseHeldBack(_ state: inout State) throws {
        guard !state.heldBack.isEmpty, state.stdin?.verified ?? true else { return }
        for entry in state.heldBack { try journal?.append(entry) }
        state.heldBack = []
    }

    /// Rebuilds the state of an interrupted run from its journal (the shards finished, the
    /// inputs' identities), checking each journalled shard's size and SHA-256: a shard deleted or
    /// damaged since is rewritten (with every later shard of its split, as the deterministic
    /// replay produces them in order), never trusted. A journal line for a shard that was
    /// rewritten after such a repair replaces the earlier line of that file.
    func resume(_ state: inout State) throws {
        var shards: [(summary: ShardSummary, through: Int)] = []
        for entry in journal?.entries ?? [] {
            switch entry {
            case .input(let input):
                state.journalledInputs[input.path] = input
            case .shard(let finished):
                if let input = finished.input { state.journalledInputs[input.path] = input }
                let shard = finished.summary
                shards.removeAll { $0.summary.split == shard.split && $0.summary.file >= shard.file }
                shards.append((shard, finished.documentsThrough))
            case .start, .complete:
                continue
            }
        }
        var damaged = Set<DataSplit>()
        for (summary, _) in shards where !damaged.contains(summary.split) {
            let found = try? Self.hashFile(directory + "/" + summary.file)
            guard found?.0 != summary.bytes || found?.1 != summary.sha256 else { continue }
            let what = found.map { "\($0.0) bytes, SHA-256 \($0.1.prefix(16))…; the journal recorded \(summary.bytes) bytes, \(summary.sha256.prefix(16))…" } ?? "missing or unreadable"
            let later = shards.filter { $0.summary.split == summary.split && $0.summary.file > summary.file }.count
            warning?("\(directory)/\(summary.file): \(what): rewriting it\(later > 0 ? " and the \(later) \(summary.split) shard\(later == 1 ? "" : "s") after it" : "")")
            damaged.insert(summary.split)
            shards.removeAll { $0.summary.split == summary.split && $0.summary.file >= summary.file }
        }
        for (summary, through) in shards {
            state.shards.append(summary)
            state.skip[summary.split] = through
            state.shardIndex[summary.split, default: 0] += 1
        }
    }

    /// Refuses to resume with an input whose bytes differ from the interrupted run's: the shards
    /// already written hold its old text, so a rerun would mix two versions of it.
    func checkUnchanged(_ record: InputRecord, _ state: State) throws {
        guard let old = state.journalledInputs[record.path], old.sha256 != record.sha256 || old.size != record.size else { return }
        let now = record.sha256.isEmpty ? "it cannot be read now" : "now \(record.size) bytes, SHA-256 \(record.sha256.prefix(16))…"
        throw ShardError("\(record.path) changed since the interrupted run in \(directory) (then \(old.size) bytes, SHA-256 \(old.sha256.prefix(16))…; \(now)): the shards already written hold its old text. Restore the file as it was, or start over in a new output directory (or delete \(directory))")
    }

    /// Names this tool writes into a shard directory under a temporary name: `SPLIT-NNNNNN.tms.tmp`
    /// (ShardWriter) and `manifest.json.tmp-PID`, `tokenizer.json.tmp-PID` (OutputWriter).
    static func isOwnTemporary(_ name: String) -> Bool {
        if name.hasPrefix("manifest.json.tmp-") || name.hasPrefix("tokenizer.json.tmp-") {
            return name.split(separator: "-").last.map { $0.allSatisfy(\.isNumber) } ?? false
        }
        return isOwnShardName(name, suffix: "." + ShardFormat.fileExtension + ".tmp")
    }

    /// `train-NNNNNN.tms` / `val-NNNNNN.tms` (with `suffix` in place of `.tms`).
    static func isOwnShardName(_ name: String, suffix: String = "." + ShardFormat.fileExtension) -> Bool {
        guard name.hasSuffix(suffix) else { return false }
        let stem = name.dropLast(suffix.count)
        for split in DataSplit.allCases.map({ $0.rawValue + "-" }) where stem.hasPrefix(split) {
            let digits = stem.dropFirst(split.count)
            return digits.count == 6 && digits.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return false
    }

    /// `tokenmill shard -o DIR` writes into a new or empty directory, or continues (or returns)
    /// the shard set already there (`journal.jsonl` or `manifest.json`): a directory holding
    /// other files is refused, so the run never overwrites or deletes a user's files.
    static func requireShardSetOrEmpty(_ directory: String) throws {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory), !names.isEmpty else { return }
        if names.contains("journal.jsonl") || names.contains("manifest.json") { return }
        let shown = names.sorted().prefix(3).joined(separator: ", ")
        throw ShardError("\(directory) is not empty (\(shown)\(names.count > 3 ? ", …" : "")) and holds no shard set (no journal.jsonl or manifest.json): `tokenmill shard` writes only into a new or empty directory, so that it never replaces your files; choose another -o")
    }
}
