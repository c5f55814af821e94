import ArgumentParser
import Cleaning
import ClusterModule
import Corpus
import Foundation
import Normalizer
import Pipeline
import Shards
import TokenmillSupport

struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Read, clean, filter and deduplicate documents as `shard` does, and write the kept text as JSON Lines.",
        discussion: """
        Inputs are read as by `tokenmill shard` (text, jsonl, html, warc, wet, wikipedia, parquet; \
        directories walked in sorted order), normalized, filtered by --filters (docs/cleaning.md), \
        deduplicated (exact, and near-duplicates with minhash) and written as one \
        {"text": …, "source": …} line per kept document, zstd-compressed when the output name ends \
        in .zst. The output is written under a temporary name and renamed when complete; the \
        same command gives the same bytes with any --threads. Under mpirun (-o must be a file) \
        each rank cleans its share of the inputs, near and exact duplicates are decided across \
        ranks, and rank 0 joins the ranks' per-input parts (FILE.parts.tmp-PID/, removed when \
        done) into FILE: the same bytes, dropped files and summary as one process.
        """
    )

    @Argument(help: "Input files or directories; - reads standard input (needs --input-format).") var inputs: [String]
    @Option(name: [.short, .customLong("output")], help: "Output file (.jsonl, or .jsonl.zst for zstd); - for standard output.") var output: String
    @OptionGroup(title: "Reading and normalization") var reading: ReadingOptions
    @Option(name: .customLong("threads"), help: "Threads (default: all cores).") var threadCount: Int?
    @Flag(help: "Print the summary as JSON.") var json = false
    @OptionGroup(title: "Cleaning") var cleaning: CleaningArguments

    func run() throws { try Ranks.run(run(on:)) }

    func run(on cluster: Cluster) throws {
        var options = ShardOptions(inputs: try ShardJob.expandInputs(inputs))
        reading.apply(to: &options)
        options.cleaning = try cleaning.options()
        let threads = threadCount ?? ThreadCount.default
        func configure(_ job: ShardJob) throws {
            job.warning = { FileHandle.standardError.write("warning: \($0)\n".data(using: .utf8)!) }
            job.droppedOut = cleaning.droppedOut
            job.minhashMemory = try cleaning.minhashMemoryBytes()
        }
        let start = Date()
        let report: CleanReport
        if cluster.isDistributed {
            if inputs.contains("-") {
                throw ValidationError("standard input (-) cannot be split over ranks; run without mpirun, or save the stream to a file")
            }
            // Every rank cleans its share; rank 0 writes the output and the summary (DistributedClean).
            guard let merged = try DistributedClean.run(options: options, output: output, threads: threads, cluster: cluster,
                                                        configure: configure) else { return }
            report = merged
        } else {
            let job = try ShardJob(textOptions: options, threads: threads)
            try configure(job)
            report = try job.runText(to: output)
        }
        let seconds = Date().timeIntervalSince(start)
        // The summary goes to standard error when the documents go to standard output.
        func say(_ line: String) {
            if output == "-" { FileHandle.standardError.write((line + "\n").data(using: .utf8)!) } else { print(line) }
        }
        if json {
            var object = try JSONSerialization.jsonObject(with: Data(try report.json().utf8)) as! [String: Any]
            object["seconds"] = seconds
            object["mb_per_s"] = Double(report.bytesIn) / 1e6 / max(seconds, 1e-9)
            object.removeValue(forKey: "options")
            say(try JSONOutput.text(object, .summary))
        } else {
            say("\(output): \(report.documentsKept) of \(report.documentsRead) documents kept, \(report.textBytes) bytes of text from \(report.bytesIn) bytes in (\(String(format: "%.2f", seconds)) s)")
            for (reason, drop) in report.dropped.sorted(by: { $0.key < $1.key }) {
                say("  dropped \(reason): \(drop.count) (e.g. \(drop.examples.prefix(3).joined(separator: ", ")))")
            }
            if !report.cleaning.isEmpty {
                say("  cleaning: " + report.cleaning.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            if let languages = report.languages, !languages.isEmpty { say("  languages (kept of detected): " + LanguageCount.summary(languages)) }
        }
    }
}
