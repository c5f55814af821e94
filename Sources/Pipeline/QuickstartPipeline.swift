import BPE
import Foundation
import GPTModule
import Shards

/// The stages of `tokenmill quickstart`, run in order on one corpus into one run folder. Each
/// stage shows progress on a `StatusLine`, ends with a one-line summary and adds its numbers to
/// the `QuickstartReport`; a failing stage stops the run with an error naming it.
public struct QuickstartPipeline {
    let options: QuickstartOptions
    let corpus: String
    let out: String
    let status: StatusLine
    var report: QuickstartReport

    /// Filled in by the stages, in order.
    var documents: [[UInt8]] = []
    var tokenizer: Tokenizer?
    var manifest: Manifest?
    var unigramEntropy = 0.0

    var normalizedPath: String { out + "/normalized.jsonl" }
    var tokenizerPath: String { out + "/tokenizer.json" }
    var shardsDirectory: String { out + "/shards" }
    var runDirectory: String { out + "/run" }

    public struct StageFailure: Error, CustomStringConvertible {
        public let stage: String
        public let underlying: Error
        public var description: String { "quickstart stage \(stage) failed: \(underlying)" }
    }

    public init(options: QuickstartOptions, corpus: String) throws {
        self.options = options
        self.corpus = corpus
        out = options.out.count > 1 && options.out.hasSuffix("/") ? String(options.out.dropLast()) : options.out
        status = StatusLine()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let s = QuickstartOptions.sampling
        report = QuickstartReport(
            tokenmillCommand: options.commandLine,
            date: ISO8601DateFormatter().string(from: Date()), threads: options.threads,
            corpus: .init(path: corpus, files: 0, bytes: 0),
            normalization: .init(form: "nfc", documents: 0, bytesIn: 0, bytesOut: 0, utf8Replacements: 0, controlsRemoved: 0,
                                 charactersChanged: 0, newlinesNormalized: 0, dropped: [:], output: "normalized.jsonl"),
            sampling: .init(maxTokens: QuickstartOptions.sampleTokens, temperature: Double(String(s.temperature)) ?? 0, topK: s.topK, seed: s.seed))
    }

    /// Runs every stage, then writes report.md and report.json. Returns the report.
    public mutating func run() throws -> QuickstartReport {
        say("quickstart: \(corpus) → \(out)/ (\(options.threads) threads)")
        try stage("normalize") { try $0.normalize() }
        try stage("vocabulary") { try $0.buildVocabulary() }
        try stage("shard") { try $0.shard() }
        try stage("statistics") { try $0.measureShards() }
        try stage("pretrain") { try $0.pretrain() }
        try stage("report") { try $0.writeReports() }
        return report
    }

    /// Runs one stage, timing it and recording its summary line; errors name the stage.
    private mutating func stage(_ name: String, _ body: (inout QuickstartPipeline) throws -> String) throws {
        status.update("\(name)…")
        let clock = Date()
        let summary: String
        do { summary = try body(&self) } catch {
            status.clear()
            throw StageFailure(stage: name, underlying: error)
        }
        status.clear()
        let seconds = Date().timeIntervalSince(clock)
        report.stages.append(.init(name: name, seconds: seconds, summary: summary))
        say("\(name):".padding(toLength: 12, withPad: " ", startingAt: 0) + summary)
    }

    /// A summary line: standard output, or standard error when stdout carries `--json`.
    func say(_ line: String) {
        let handle = options.summariesOnStandardError ? FileHandle.standardError : FileHandle.standardOutput
        handle.write(Data((line + "\n").utf8))
    }

    func warn(_ line: String) {
        status.clear()
        FileHandle.standardError.write(Data("warning: \(line)\n".utf8))
    }

    /// Refuses to mix with earlier files in `out`, unless `overwrite` (which removes only the
    /// quickstart's own outputs, `QuickstartOptions.outputs`).
    public static func prepareOutput(_ out: String, overwrite: Bool) throws {
        let fm = FileManager.default
        let present = QuickstartOptions.outputs.filter { fm.fileExists(atPath: out + "/" + $0) }
        guard !present.isEmpty else { return }
        guard overwrite else { throw PipelineError.outputExists(directory: out, present: present) }
        for name in present { try fm.removeItem(atPath: out + "/" + name) }
    }
}
