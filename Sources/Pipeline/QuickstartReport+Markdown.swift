import Foundation

extension QuickstartReport {
    /// report.md: the same numbers as report.json, for a person. Paths are relative to the run
    /// folder, so the loss curve shows when the folder is opened in a Markdown viewer. O(size).
    public var markdown: String {
        func f(_ x: Double?, _ digits: Int = 3) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "–" }
        func n(_ x: Int) -> String {
            let s = String(x)
            var out = ""
            for (i, c) in s.reversed().enumerated() { if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }; out.append(c) }
            return String(out.reversed())
        }
        func code(_ s: String) -> String {   // a token's text, visible whitespace, safe in a table cell
            let shown = s.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
                .replacingOccurrences(of: " ", with: "␣").replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "`", with: "ˋ")
            return "`\(shown)`"
        }
        func quote(_ s: String) -> String { s.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\n") }
        var md = "# Tokenmill quickstart report\n\n"
        md += "`\(tokenmillCommand)` on \(date), \(threads) threads. Corpus: `\(corpus.path)` (\(n(corpus.files)) files, \(n(corpus.bytes)) bytes).\n\n"
        md += "| stage | time | summary |\n|---|---:|---|\n"
        for s in stages { md += "| \(s.name) | \(f(s.seconds, 2)) s | \(s.summary.replacingOccurrences(of: "|", with: "\\|")) |\n" }

        let z = normalization
        md += "\n## Normalization\n\n"
        md += "\(n(z.documents)) documents (plain text cut at blank lines, HTML reduced to its text) in `\(z.output)`, \(z.form.uppercased()): "
        md += "\(n(z.bytesIn)) → \(n(z.bytesOut)) bytes, \(n(z.utf8Replacements)) invalid UTF-8 sequences replaced by U+FFFD, "
        md += "\(n(z.controlsRemoved)) control characters removed, \(n(z.newlinesNormalized)) CRLF/CR newlines made LF, \(n(z.charactersChanged)) characters changed by NFC."
        md += z.dropped.isEmpty ? " No document dropped.\n" : " Dropped: " + Self.droppedList(z.dropped) + ".\n"

        if let v = vocabulary {
            md += "\n## Vocabulary\n\n"
            md += "| | |\n|---|---|\n"
            md += "| source | \(v.source == "trained" ? "trained by Tokenmill's BPE trainer on the normalized documents" : "`\(v.source)`") |\n"
            md += "| file | [`\(v.file)`](\(v.file)) (Hugging Face tokenizer.json) |\n"
            md += "| size | \(n(v.size)) ids |\n| merges | \(n(v.merges)) |\n"
            md += "| special tokens | \(v.specialTokens.map { "`\($0)`" }.joined(separator: ", ")) |\n"
            md += "| bytes per token on the validation text | \(f(v.bytesPerTokenVal)) |\n"
            if let s = v.trainingSeconds { md += "| training time | \(f(s, 2)) s |\n" }
            md += "\nThe vocabulary saw the whole corpus, validation documents included (as `Vocab/tokenmill-demo-8k.json` does).\n"
            for (title, tokens) in [("First merged tokens", v.firstTokens), ("Last merged tokens", v.lastTokens), ("Longest tokens", v.longestTokens)] where !tokens.isEmpty {
                md += "\n\(title) (␣ is a space):\n\n| id | token | bytes |\n|---:|---|---:|\n"
                for t in tokens { md += "| \(t.id) | \(code(t.text)) | \(t.bytes) |\n" }
            }
        }

        if let s = shards {
            md += "\n## Shards\n\n"
            md += "| | train | val |\n|---|---:|---:|\n"
            md += "| documents | \(n(s.trainDocuments)) | \(n(s.valDocuments)) |\n| tokens | \(n(s.trainTokens)) | \(n(s.valTokens)) |\n\n"
            md += "`\(s.directory)/`: \(n(s.shards)) `.tms` shards and `manifest.json`; \(n(s.documentsKept)) of \(n(s.documentsRead)) documents kept. "
            md += "\(n(s.textBytes)) bytes of text (decoded back from the shards) in \(n(s.bytesOut)) bytes of shards: \(f(s.compressionRatio, 2))× smaller than the text, "
            md += "\(f(s.tokenCompressionRatio, 2))× smaller than the raw token ids (zstd). "
            md += s.dropped.isEmpty ? "No document dropped.\n" : "Dropped: " + Self.droppedList(s.dropped) + ".\n"
        }

        if let t = training {
            let m = t.model
            md += "\n## Pretraining\n\n"
            md += "GPT-2-style model: \(m.layers) layers, \(m.heads) heads, width \(m.channels), context \(m.contextLength), vocabulary \(n(m.vocabSize)): \(n(m.parameters)) parameters. "
            md += "\(n(t.steps)) AdamW steps of \(t.batchSize) × \(t.context) tokens (peak learning rate \(t.learningRate), warmup then cosine decay): "
            md += "\(n(t.tokensSeen)) tokens, \(f(t.epochs, 2)) epochs of the training split, in \(f(t.seconds, 1)) s (\(n(Int(t.tokensPerSecond.rounded()))) tokens/s median).\n\n"
            md += "| loss (nats/token) | start | end |\n|---|---:|---:|\n"
            md += "| train | \(f(t.initialTrainLoss)) | \(f(t.finalTrainLoss)) |\n| validation | \(f(t.initialValLoss)) | \(f(t.finalValLoss)) |\n\n"
            md += "For comparison: guessing uniformly costs ln(\(n(vocabulary?.size ?? 0))) = \(f(t.uniformLoss)); "
            md += "the unigram entropy of the training tokens (the best a model ignoring context can do) is \(f(t.unigramEntropy)). "
            if let v = t.finalValLoss {
                md += v < t.unigramEntropy ? "The final validation loss is below it: the model uses context.\n" : "The final validation loss is not yet below it: train longer.\n"
            }
            md += "\n![loss curve](\(t.lossCurve))\n\n"
            md += "Checkpoint: `\(t.checkpoint ?? "–")` (Hugging Face GPT-2 safetensors + config.json, optimizer and loader state, tokenizer); metrics per step in `\(t.runDirectory)/metrics.jsonl`.\n"
        }

        if !samples.isEmpty {
            md += "\n## Samples\n\n"
            md += "\(sampling.maxTokens) tokens at most, temperature \(sampling.temperature), top-k \(sampling.topK), seed \(sampling.seed); "
            md += "the same prompts and seed before training (random initialization) and after (from the saved checkpoint).\n"
            for s in samples {
                md += "\n### \(s.prompt)\n\nBefore training:\n\n\(quote(s.prompt + s.beforeTraining))\n\nAfter training:\n\n\(quote(s.prompt + s.afterTraining))\n"
            }
        }
        return md
    }

    /// Dropped documents by reason, as "3 empty after cleaning, 1 unreadable": reasons in
    /// alphabetical order, so that reports and stage summaries read the same from run to run.
    /// Each caller adds its own wording around it. O(r log r) in the number of reasons.
    static func droppedList(_ dropped: [String: Int]) -> String {
        dropped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
}
