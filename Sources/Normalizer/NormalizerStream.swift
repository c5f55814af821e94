/// Applies a `NormalizerPipeline` to input of any size, chunk by chunk, in memory bounded by
/// the chunk size plus `maxPendingBytes`.
///
/// The output is byte-identical to one-shot normalization whatever the chunk sizes (down to one
/// byte), because text is only cut where every step gives the same result on the two sides as
/// on the whole: incomplete UTF-8 sequences and a trailing CR are held back by the decoder, and
/// decoded text is cut only before a code point with a normalization boundary before it (ICU
/// `unorm2_hasBoundaryBefore`) — and, when lowercasing, before an ASCII byte that is neither
/// cased nor case-ignorable, so final-sigma context is not split either.
///
/// ```swift
/// var stream = NormalizerPipeline(form: .nfkc, utf8Policy: .repair).makeStream()
/// for chunk in chunks { write(try stream.feed(chunk)) }
/// write(try stream.finish())
/// print(stream.report.summary)
/// ```
public struct NormalizerStream: Sendable {
    public let pipeline: NormalizerPipeline
    private let normalizer: UnicodeNormalizer
    private var decoder: InputDecoder
    private var whitespace: WhitespaceCleaner
    /// Decoded, cleaned text waiting for a safe cut.
    private var pending: [UInt8] = []
    /// Output of the normalization step, when a later step needs it as input.
    private var normalized: [UInt8] = []
    private var lowered: [UInt8] = []
    private var buffers = ICUBuffers()
    private var counts = NormalizationReport()
    private var finished = false

    init(pipeline: NormalizerPipeline) {
        self.pipeline = pipeline
        normalizer = UnicodeNormalizer(form: pipeline.form)
        decoder = InputDecoder(pipeline: pipeline)
        whitespace = WhitespaceCleaner()
    }

    /// What has been done so far (complete after `finish`).
    public var report: NormalizationReport {
        var report = decoder.report
        report.bytesOut = counts.bytesOut
        report.charactersChanged = counts.charactersChanged
        report.charactersLowercased = counts.charactersLowercased
        report.forcedCuts = counts.forcedCuts
        report.trailingWhitespaceRemoved = whitespace.trailingRemoved
        report.blankLinesRemoved = whitespace.blankLinesRemoved
        return report
    }

    /// Processes `chunk` and appends whatever output is ready to `output`. Amortized O(chunk).
    /// Throws `NormalizerError` on ill-formed UTF-8 in strict mode; the stream is then unusable.
    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) throws {
        precondition(!finished, "NormalizerStream.feed called after finish()")
        try decoder.decode(chunk, final: false, into: &pending)
        let cut = safeCut()
        guard cut > 0 else { return }
        let before = output.count
        pending.withUnsafeBufferPointer { process(UnsafeBufferPointer(rebasing: $0[0..<cut]), into: &output) }
        pending.removeFirst(cut)
        counts.bytesOut += output.count - before
    }

    /// Processes `chunk` and returns the output that is ready.
    public mutating func feed(_ chunk: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(chunk.count + chunk.count / 8)
        try chunk.withUnsafeBufferPointer { try feed($0, into: &output) }
        return output
    }

    /// Flushes everything held back. Call once, after the last `feed`. Throws in strict mode
    /// when the input ends inside a UTF-8 sequence.
    public mutating func finish(into output: inout [UInt8]) throws {
        precondition(!finished, "NormalizerStream.finish called twice")
        finished = true
        try decoder.decode(UnsafeBufferPointer(start: nil, count: 0), final: true, into: &pending)
        let before = output.count
        pending.withUnsafeBufferPointer { process($0, into: &output) }
        pending.removeAll()
        whitespace.finish()
        counts.bytesOut += output.count - before
    }

    /// Flushes everything held back and returns it.
    public mutating func finish() throws -> [UInt8] {
        var output: [UInt8] = []
        try finish(into: &output)
        return output
    }

    // MARK: Steps after decoding

    /// Normalization, lowercasing and whitespace cleanup of text that starts and ends at safe cuts.
    private mutating func process(_ text: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        guard !text.isEmpty else { return }
        let lowercase = pipeline.lowercase, trim = pipeline.trimWhitespace
        if !lowercase && !trim {
            counts.charactersChanged += normalizer.append(normalizing: text, to: &output, buffers: &buffers)
            return
        }
        var current = text
        normalized.removeAll(keepingCapacity: true)
        if pipeline.form != .none {
            counts.charactersChanged += normalizer.append(normalizing: text, to: &normalized, buffers: &buffers)
        }
        normalized.withUnsafeBufferPointer { normalizedText in
            if pipeline.form != .none { current = normalizedText }
            if lowercase {
                if trim {
                    lowered.removeAll(keepingCapacity: true)
                    counts.charactersLowercased += Lowercaser.append(current, to: &lowered, buffers: &buffers)
                    lowered.withUnsafeBufferPointer { whitespace.append($0, to: &output) }
                } else {
                    counts.charactersLowercased += Lowercaser.append(current, to: &output, buffers: &buffers)
                }
            } else {
                whitespace.append(current, to: &output)
            }
        }
    }

    /// The longest prefix of `pending` that can be processed now without changing the result.
    /// Usually found at the last character; O(distance to the last safe position).
    private mutating func safeCut() -> Int {
        let n = pending.count
        guard n > 0 else { return 0 }
        var cut = pending.withUnsafeBufferPointer { text -> Int in
            if pipeline.lowercase {
                // Before a word separator (which is ASCII, so also a normalization boundary).
                var p = n - 1
                while p > 0 && !(text[p] < 0x80 && Lowercaser.separators[Int(text[p])]) { p -= 1 }
                return p
            }
            if pipeline.form == .none { return n }
            return normalizer.lastBoundary(in: text)
        }
        if cut == 0 && n > pipeline.maxPendingBytes {
            // No safe place in a whole window: cut before the last code point so memory stays
            // bounded, and say so in the report.
            cut = n - 1
            while cut > 0 && pending[cut] & 0xC0 == 0x80 { cut -= 1 }
            counts.forcedCuts += 1
        }
        return cut
    }
}
