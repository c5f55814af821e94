import Corpus
import Foundation
import TokenmillSupport

extension Manifest {
    /// One manifest over shard sets that the ranks of one job wrote side by side, each into a
    /// sub-directory of the job's directory (`parts[i].directory`, relative to it). Shard files
    /// are listed under their sub-directory, in part order; inputs in the order of
    /// `options.inputs` (the whole job's); counts are summed. The parts must share a tokenizer.
    public static func merge(_ parts: [(directory: String, manifest: Manifest)], options: ShardOptions) throws -> Manifest {
        guard let first = parts.first?.manifest else { throw ShardError("no per-rank manifests to merge") }
        for (directory, part) in parts where part.tokenizer != first.tokenizer {
            throw ShardError("\(directory) was sharded with tokenizer \(part.tokenizer.fingerprint.prefix(16))…, not \(first.tokenizer.fingerprint.prefix(16))… like the others; rerun every rank with the same --tokenizer")
        }
        let order = Dictionary(options.inputs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var merged = first
        merged.options = options
        merged.tokenizer.file = "tokenizer.json"
        merged.inputs = parts.flatMap(\.manifest.inputs).sorted { (order[$0.path] ?? .max) < (order[$1.path] ?? .max) }
        merged.shards = parts.flatMap { part in part.manifest.shards.map { var s = $0; s.file = part.directory + "/" + s.file; return s } }
        merged.splits = [:]
        merged.dropped = DropReport.merge(parts.map(\.manifest.dropped), inputs: options.inputs)
        for (_, part) in parts {
            merged.splits.merge(part.splits) { a, b in SplitTotals(documents: a.documents + b.documents, tokens: a.tokens + b.tokens, shards: a.shards + b.shards) }
        }
        merged.documentsRead = parts.reduce(0) { $0 + $1.manifest.documentsRead }
        merged.documentsKept = parts.reduce(0) { $0 + $1.manifest.documentsKept }
        merged.bytesIn = parts.reduce(0) { $0 + $1.manifest.bytesIn }
        merged.bytesOut = parts.reduce(0) { $0 + $1.manifest.bytesOut }
        merged.tokens = parts.reduce(0) { $0 + $1.manifest.tokens }
        merged.repairs = parts.reduce(into: RepairReport()) { total, part in part.manifest.repairs.map { total.add($0) } }
        if parts.contains(where: { $0.manifest.cleaning != nil }) {
            merged.cleaning = parts.reduce(into: [String: Int]()) { total, part in total.merge(part.manifest.cleaning ?? [:], uniquingKeysWith: +) }
        }
        if parts.contains(where: { $0.manifest.languages != nil }) {
            merged.languages = parts.reduce(into: [String: LanguageCount]()) { total, part in
                total.merge(part.manifest.languages ?? [:]) { LanguageCount(documents: $0.documents + $1.documents, kept: $0.kept + $1.kept) }
            }
        }
        merged.textBytes = parts.allSatisfy { $0.manifest.textBytes != nil } ? parts.reduce(0) { $0 + $1.manifest.textBytes! } : nil
        return merged
    }

    /// Writes `DIR/manifest.json` atomically (temp file, fsync, rename, directory fsync: the
    /// `OutputWriter`'s `FileIO.commit`); its presence marks a shard set complete.
    public func write(to directory: String) throws {
        var out = try OutputWriter(path: directory + "/manifest.json")
        try out.write(Array(try JSONOutput.encode(self, .document)))
        try out.write([0x0A])
        try out.close()
    }
}

extension DropReport {
    /// The drops of ranks that each read some of `inputs` (in ascending order): counts summed;
    /// per reason the first five examples in input order, as one process reading every input
    /// records them. Each rank's examples are its first five, so the job's first five are among
    /// them; an example belongs to the input whose path is its longest prefix followed by `#`
    /// (records, rows), `:` (lines) or nothing (a whole file).
    public static func merge(_ parts: [[String: DropReport]], inputs: [String]) -> [String: DropReport] {
        let order = Dictionary(inputs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        func input(of example: String) -> Int {
            if let whole = order[example] { return whole }
            // The longest prefix ending before a `#` or `:` that is an input (a path may hold either).
            for i in example.indices.reversed() where example[i] == "#" || example[i] == ":" {
                if let index = order[String(example[..<i])] { return index }
            }
            return .max
        }
        var merged: [String: DropReport] = [:]
        var examples: [String: [(input: Int, example: String)]] = [:]
        for part in parts {
            for (reason, d) in part {
                merged[reason, default: DropReport()].count += d.count
                examples[reason, default: []] += d.examples.map { (input(of: $0), $0) }
            }
        }
        for (reason, list) in examples {
            // Stable: one input's examples come from one rank, in its order.
            let sorted = list.enumerated().sorted { ($0.element.input, $0.offset) < ($1.element.input, $1.offset) }
            merged[reason]!.examples = sorted.prefix(5).map(\.element.example)
        }
        return merged
    }
}
