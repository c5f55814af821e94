/// Runs the filter steps of `CleaningOptions` on one document. Pure and thread-safe: the caller
/// runs documents on all cores and merges the outcomes in input order.
public struct CleaningPipeline: Sendable {
    public let options: CleaningOptions
    public let minhash: MinHash?

    public init(_ options: CleaningOptions) {
        self.options = options
        minhash = options.minhash.map(MinHash.init)
    }

    /// What the chain decided about one document.
    public struct Outcome: Sendable {
        /// The text after the filters (C4 keeps only some lines): what deduplication compares.
        public var text: [UInt8]
        /// The text to write: `text` with PII redacted when that step is on.
        public var output: [UInt8]
        public var dropped: CleaningRule?
        /// Named counters (`c4_quality.line_kept`, `pii.emails`, …) of this document.
        public var counters: [String: Int]
        /// The language CLD2 found (with `options.language`), also for a dropped document.
        public var language: LanguageDetection?
        /// MinHash bucket digests of `text`, when asked for and the text has enough words.
        public var digests: [UInt64]?
    }

    /// Applies language identification and the filters in FineWeb's order, then (for a kept document) PII redaction.
    public func apply(_ utf8: [UInt8], signature: Bool = false) -> Outcome {
        var document = CleaningDocument(utf8: utf8)
        var counters: [String: Int] = [:]
        var reason: CleaningRule? = nil
        func step(_ name: String, _ run: (inout CleaningDocument) -> CleaningRule?) {
            guard reason == nil else { return }
            document.counters = [:]
            let r = run(&document)
            counters[name + ".documents", default: 0] += 1
            for (k, v) in document.counters { counters[name + "." + k, default: 0] += v }
            if let r { reason = r; counters[name + ".dropped", default: 0] += 1 }
        }
        var language: LanguageDetection? = nil
        if let f = options.language {
            step("language") { document in
                let (detection, rule) = f.apply(utf8)
                language = detection
                // What CLD2 could not read as it was: counted, never silent.
                if detection.blankedSequences > 0 {
                    document.counters["blanked_sequences"] = detection.blankedSequences
                    document.counters["blanked_bytes"] = detection.blankedBytes
                    document.counters["documents_blanked"] = 1
                }
                if detection.unreadBytes > 0 { document.counters["unread_bytes"] = detection.unreadBytes }
                return rule
            }
        }
        if let f = options.gopherRepetition { step("gopher_repetition") { f.apply(&$0) } }
        if let f = options.gopherQuality { step("gopher_quality") { f.apply(&$0) } }
        if let f = options.c4 { step("c4_quality") { f.apply(&$0) } }
        if let f = options.finewebQuality { step("fineweb_quality") { f.apply(&$0) } }
        let filtered = options.c4 == nil ? utf8 : document.utf8   // only C4 rewrites the text
        var output = filtered
        var digests: [UInt64]? = nil
        if reason == nil {
            if signature, let minhash { digests = minhash.bucketDigests(document.text) }
            if let pii = options.pii {
                document.counters = [:]
                pii.apply(&document)
                for (k, v) in document.counters { counters["pii." + k, default: 0] += v }
                if !document.counters.isEmpty { output = document.utf8 }
            }
        }
        return Outcome(text: filtered, output: output, dropped: reason, counters: counters, language: language, digests: digests)
    }
}
