import BPE
import Corpus
import Foundation
import GPTModule
import Normalizer
import Shards
import Trainer
import TokenmillSupport

extension QuickstartPipeline {
    /// Reads every corpus file (plain text cut into paragraphs, HTML as its text), cleans each
    /// document as `tokenmill shard` does by default (NFC, invalid UTF-8 repaired with U+FFFD,
    /// control characters dropped) and writes them to normalized.jsonl ({"text", "source"}).
    /// Documents that cannot be read or become empty are counted per reason, never silently lost.
    /// O(corpus bytes).
    mutating func normalize() throws -> String {
        let files = try ShardJob.expandInputs([corpus])
        guard !files.isEmpty else { throw InputError(.invalidRequest, path: corpus, "\(corpus) holds no files: expected text, HTML or JSONL files to learn from") }
        let pipeline = NormalizationSettings().pipeline
        var writer = try OutputWriter(path: normalizedPath)
        var totals = NormalizationReport()
        var dropped: [String: Int] = [:]
        var bytesRead = 0
        let clock = Date()
        for (index, file) in files.enumerated() {
            status.update("normalize: file \(index + 1)/\(files.count), \(documents.count) documents — \(file)")
            bytesRead += (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            var reader = try DocumentReader(path: file, options: ReaderOptions(split: .blankLines))
            while let doc = try reader.next() {
                if let problem = doc.problem {
                    dropped["unreadable", default: 0] += 1
                    warn("\(doc.location): \(problem); skipped")
                    continue
                }
                let result: NormalizationResult
                do { result = try pipeline.normalize(doc.bytes) } catch {
                    dropped["normalization failed", default: 0] += 1
                    warn("\(doc.location): \(error); skipped")
                    continue
                }
                totals.add(result.report)
                guard !result.output.isEmpty else { dropped["empty after cleaning", default: 0] += 1; continue }
                let record: [String: String] = ["text": String(decoding: result.output, as: UTF8.self), "source": doc.location]
                try writer.write(Array(try JSONOutput.serialize(record, .line)) + [0x0A])
                documents.append(result.output)
            }
        }
        try writer.close()
        let seconds = Date().timeIntervalSince(clock)
        report.corpus.files = files.count
        report.corpus.bytes = bytesRead
        report.normalization = .init(form: "nfc", documents: documents.count, bytesIn: totals.bytesIn, bytesOut: totals.bytesOut,
                                     utf8Replacements: totals.replacements, controlsRemoved: totals.controlsRemoved,
                                     charactersChanged: totals.charactersChanged, newlinesNormalized: totals.newlinesNormalized,
                                     dropped: dropped, output: "normalized.jsonl")
        let droppedText = dropped.isEmpty ? "" : ", dropped " + QuickstartReport.droppedList(dropped)
        return "\(files.count) files → \(documents.count) documents (paragraphs), \(Self.megabytes(totals.bytesIn)) → \(Self.megabytes(totals.bytesOut)) NFC; "
            + "\(totals.replacements) invalid UTF-8 sequences repaired, \(totals.controlsRemoved) control characters removed, "
            + "\(totals.newlinesNormalized) CRLF/CR newlines fixed\(droppedText); \(Self.time(seconds)), \(Self.rate(totals.bytesIn, seconds)) → normalized.jsonl"
    }

    /// Trains a byte-level BPE vocabulary on the normalized documents (or loads `--vocab`) and
    /// writes it as tokenizer.json. Training is deterministic: the same corpus and size give the
    /// same file (with the default size it is Vocab/tokenmill-demo-8k.json's recipe on cleaned
    /// paragraphs).
    mutating func buildVocabulary() throws -> String {
        let clock = Date()
        let tokenizer: Tokenizer
        var what: String
        if let vocab = self.options.vocab {
            tokenizer = try Tokenizer.load(vocab)
            what = "loaded \(vocab)"
        } else {
            var options = TrainerOptions(vocabSize: self.options.vocabSize)
            options.specialTokens = ["<|endoftext|>"]
            options.minFrequency = 2
            options.threads = self.options.threads
            options.holdoutFraction = 0   // measured on the validation split instead (statistics stage)
            let status = self.status
            let result: TrainingResult
            result = try BPETrainer.train(documents: documents, options: options, progress: status.enabled ? { status.update("vocabulary: " + $0) } : nil)
            tokenizer = result.tokenizer
            what = "trained on \(Self.megabytes(result.report.corpusBytes)) (\(result.report.stopReason))"
        }
        var writer = try OutputWriter(path: tokenizerPath)
        try writer.write(Array(try tokenizer.huggingFaceJSON()))
        try writer.close()
        let seconds = Date().timeIntervalSince(clock)
        self.tokenizer = tokenizer
        let merges = max(0, tokenizer.model.count - 256)
        let (first, last, longest) = Self.notableTokens(tokenizer)
        report.vocabulary = .init(source: self.options.vocab ?? "trained", file: "tokenizer.json", size: tokenizer.vocabularySize, merges: merges,
                                  specialTokens: tokenizer.specialTokens.sorted { $0.value < $1.value }.map(\.key),
                                  bytesPerTokenVal: nil, trainingSeconds: self.options.vocab == nil ? seconds : nil,
                                  firstTokens: first, lastTokens: last, longestTokens: longest)
        if self.options.vocab == nil { what = "\(tokenizer.vocabularySize) ids (256 bytes, \(merges) merges, <|endoftext|>) " + what }
        return "\(what); \(Self.time(seconds)) → tokenizer.json"
    }

    /// Shards the normalized documents with the vocabulary: deduplicated, 5% of documents (by
    /// content hash) to the validation split, zstd-compressed blocks with checksums.
    mutating func shard() throws -> String {
        var options = ShardOptions(inputs: [normalizedPath])
        options.tokenizer = tokenizerPath
        options.reader = ReaderOptions(format: .jsonl, textField: "text")
        options.valFraction = 0.05
        options.shardTokens = 300_000
        let job = try ShardJob(options: options, directory: shardsDirectory, threads: self.options.threads)
        let status = self.status
        if status.enabled { job.progress = { status.update("shard: " + $0.statusText) } }
        job.warning = { [self] in warn($0) }
        let clock = Date()
        let m = try job.run()
        let seconds = Date().timeIntervalSince(clock)
        manifest = m
        let train = (documents: m.splits[.train]?.documents ?? 0, tokens: m.splits[.train]?.tokens ?? 0)
        let val = (documents: m.splits[.val]?.documents ?? 0, tokens: m.splits[.val]?.tokens ?? 0)
        let dropped = m.dropped.mapValues(\.count)
        report.shards = .init(directory: "shards", documentsRead: m.documentsRead, documentsKept: m.documentsKept,
                              trainDocuments: train.documents, valDocuments: val.documents, trainTokens: train.tokens, valTokens: val.tokens,
                              shards: m.shards.count, bytesIn: m.bytesIn, bytesOut: m.bytesOut,
                              textBytes: 0, compressionRatio: 0,
                              tokenCompressionRatio: Double(m.tokens * m.tokenizer.tokenBytes) / Double(max(1, m.bytesOut)),
                              dropped: dropped)
        let droppedText = dropped.isEmpty ? "none dropped" : "dropped " + QuickstartReport.droppedList(dropped)
        return "\(m.documentsKept) of \(m.documentsRead) documents (\(droppedText)), \(m.tokens) tokens in \(m.shards.count) shards "
            + "(train \(train.tokens), val \(val.tokens)); \(Self.megabytes(m.bytesIn)) of JSONL → \(Self.megabytes(m.bytesOut)) "
            + String(format: "(token ids %.2f× smaller by zstd)", report.shards!.tokenCompressionRatio)
            + "; \(Self.time(seconds)), \(Self.rate(m.bytesIn, seconds)) → shards/"
    }

    /// Reads the shards back: bytes per token on the validation documents, and the unigram
    /// entropy of the training tokens (the loss floor of a model without context). O(tokens).
    mutating func measureShards() throws -> String {
        guard let manifest, let tokenizer else { throw PipelineError.quickstartStageOutOfOrder(stage: "statistics") }
        var counts = [Int](repeating: 0, count: max(manifest.tokenizer.vocabularySize, 1))
        var trainTokens = 0, valTokens = 0, valBytes = 0, trainBytes = 0
        for shard in manifest.shards {
            let reader = try ShardReader(path: shardsDirectory + "/" + shard.file)
            if shard.split == .val {
                for d in 0..<reader.documentCount {
                    let ids = try reader.document(d)
                    valTokens += ids.count
                    valBytes += try tokenizer.decodeBytes(ids).count
                }
            } else {
                for d in 0..<reader.documentCount {
                    let ids = try reader.document(d)
                    for id in ids where Int(id) < counts.count { counts[Int(id)] += 1 }
                    trainBytes += try tokenizer.decodeBytes(ids).count
                }
                trainTokens += reader.tokenCount
            }
        }
        if let eot = manifest.tokenizer.endOfText, Int(eot) < counts.count {   // the model predicts document ends too
            counts[Int(eot)] += manifest.splits[.train]?.documents ?? 0
        }
        if var s = report.shards {
            s.textBytes = trainBytes + valBytes
            s.compressionRatio = Double(s.textBytes) / Double(max(1, s.bytesOut))
            report.shards = s
        }
        let total = Double(counts.reduce(0, +))
        var entropy = 0.0
        for c in counts where c > 0 { let p = Double(c) / total; entropy -= p * log(p) }
        unigramEntropy = entropy
        let bpt = valTokens > 0 ? Double(valBytes) / Double(valTokens) : nil
        report.vocabulary?.bytesPerTokenVal = bpt
        return String(format: "%@ bytes/token on the validation text; text %.2f× smaller in shards; unigram entropy of the %d training tokens %.3f nats/token (uniform: %.3f)",
                      bpt.map { String(format: "%.3f", $0) } ?? "-", report.shards?.compressionRatio ?? 0, trainTokens, entropy, log(Double(tokenizer.vocabularySize)))
    }

    /// Pretrains the model on the shards (validation loss at the start, during and at the end),
    /// sampling from the same prompts before training and, from the saved checkpoint, after.
    mutating func pretrain() throws -> String {
        guard let manifest, let tokenizer else { throw PipelineError.quickstartStageOutOfOrder(stage: "pretraining") }
        guard let base = GPTConfig.preset(self.options.preset) else { throw PipelineError.unknownPreset(self.options.preset) }
        let config = base.covering(vocabulary: manifest.tokenizer.vocabularySize)
        var o = PretrainOptions()
        o.steps = self.options.steps
        o.batchSize = 16
        o.context = min(128, config.contextLength)
        o.learningRate = QuickstartOptions.learningRate
        o.warmupSteps = min(50, self.options.steps / 10)
        o.evalEvery = max(1, self.options.steps / 10)
        o.evalBatches = 16
        o.documentPositions = true
        let runner = try PretrainRun(data: shardsDirectory, out: runDirectory, config: config, options: o, start: .fresh, threads: self.options.threads)
        let prompts = QuickstartOptions.prompts, sampling = QuickstartOptions.sampling, n = QuickstartOptions.sampleTokens
        let untrained = TextGenerator(model: runner.model, tokenizer: tokenizer)
        let before = try prompts.map { try untrained.generate(prompt: $0, maxTokens: n, options: sampling) }
        let status = self.status
        runner.log = { status.update("pretrain: " + $0) }
        let clock = Date()
        let summary = try runner.run()
        let seconds = Date().timeIntervalSince(clock)
        status.update("pretrain: sampling from the checkpoint")
        let trained = try TextGenerator.load(checkpoint: runDirectory)
        let after = try prompts.map { try trained.generate(prompt: $0, maxTokens: n, options: sampling) }
        report.samples = zip(prompts, zip(before, after)).map { .init(prompt: $0.0, beforeTraining: $0.1.0, afterTraining: $0.1.1) }

        let c = runner.model.config
        let trainTokens = manifest.splits[.train]?.tokens ?? 0
        let initialVal = runner.valHistory.first { $0.step == 0 }?.loss
        report.training = .init(
            model: .init(vocabSize: c.vocabSize, contextLength: c.contextLength, layers: c.layers, heads: c.heads, channels: c.channels,
                         parameters: runner.model.parameterCount),
            steps: summary.step, batchSize: o.batchSize, context: o.context, learningRate: Double(String(o.learningRate)) ?? 0,
            tokensSeen: runner.tokensSeen, epochs: Double(runner.tokensSeen) / Double(max(1, trainTokens)), seconds: seconds,
            tokensPerSecond: summary.tokensPerSecond, initialTrainLoss: runner.trainHistory.first.map { Double($0.loss) },
            finalTrainLoss: summary.finalTrainLoss.map(Double.init), initialValLoss: initialVal.map(Double.init),
            finalValLoss: summary.finalValLoss.map(Double.init), unigramEntropy: unigramEntropy,
            uniformLoss: log(Double(tokenizer.vocabularySize)), runDirectory: "run",
            checkpoint: summary.checkpoint.map { "run/" + URL(fileURLWithPath: $0).lastPathComponent }, lossCurve: "run/loss.svg")
        let t = report.training!
        func loss(_ a: Double?, _ b: Double?) -> String { "\(a.map { String(format: "%.3f", $0) } ?? "-") → \(b.map { String(format: "%.3f", $0) } ?? "-")" }
        let shape = "\(c.layers) layers × \(c.channels) wide (\(t.model.parameters) parameters), \(t.steps) steps × \(o.batchSize)×\(o.context) tokens"
        let speed = String(format: "(%.2f epochs) in ", t.epochs) + Self.time(seconds) + String(format: ", %.0f tokens/s", t.tokensPerSecond)
        let losses = "train loss " + loss(t.initialTrainLoss, t.finalTrainLoss) + ", val loss " + loss(t.initialValLoss, t.finalValLoss)
        return shape + " " + speed + "; " + losses + String(format: " (unigram entropy %.3f) → run/", unigramEntropy)
    }

    /// report.md (for people) and report.json (the same numbers for programs), written atomically.
    mutating func writeReports() throws -> String {
        var md = try OutputWriter(path: out + "/report.md")
        try md.write(Array(report.markdown.utf8))
        try md.close()
        var js = try OutputWriter(path: out + "/report.json")
        try js.write(Array(try report.json()) + [0x0A])
        try js.close()
        return "\(out)/report.md, \(out)/report.json; loss curve \(out)/run/loss.svg"
    }

    // MARK: helpers

    /// Up to five tokens after the 256 bytes, five before the special tokens, and the five
    /// longest (ties by id). O(V log V).
    static func notableTokens(_ tokenizer: Tokenizer) -> (first: [QuickstartReport.Token], last: [QuickstartReport.Token], longest: [QuickstartReport.Token]) {
        let specials = Set(tokenizer.specialTokens.values)
        let ids = (0..<TokenID(tokenizer.model.count)).filter { !specials.contains($0) }
        func token(_ id: TokenID) -> QuickstartReport.Token {
            let bytes = tokenizer.tokenBytes(id) ?? []
            return .init(id: Int(id), text: String(decoding: bytes, as: UTF8.self), bytes: bytes.count)
        }
        let merged = ids.dropFirst(min(256, ids.count))
        let lengths: [(id: TokenID, n: Int)] = ids.map { id in (id, tokenizer.tokenBytes(id)?.count ?? 0) }
        let byLength = lengths.sorted { a, b in a.n != b.n ? a.n > b.n : a.id < b.id }
        let longest: [QuickstartReport.Token] = byLength.prefix(5).map { token($0.id) }
        return (merged.prefix(5).map(token), merged.suffix(5).map(token), longest)
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.2f MB", Double(bytes) / 1e6) }
    static func time(_ seconds: Double) -> String { String(format: seconds < 10 ? "%.2f s" : "%.0f s", seconds) }
    static func rate(_ bytes: Int, _ seconds: Double) -> String { String(format: "%.1f MB/s", Double(bytes) / 1e6 / max(seconds, 1e-9)) }
}
