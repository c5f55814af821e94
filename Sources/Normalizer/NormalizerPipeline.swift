/// The configuration of the text cleanup pipeline. Steps run in this order:
///
/// 1. **Decoding** (`utf8Policy`, `fallbackEncoding`): bytes → valid UTF-8. Strict mode throws
///    a `NormalizerError` at the first ill-formed sequence; repair mode replaces each with
///    U+FFFD. With a fallback encoding, a file whose first `sniffBytes` are clearly not UTF-8
///    (more ill-formed sequences than well-formed multi-byte ones) is decoded as Latin-1 or
///    Windows-1252 instead, and the report says so.
/// 2. **BOM removal** (`removeBOM`): a U+FEFF at the very start is dropped.
/// 3. **Newlines** (`normalizeNewlines`): CRLF and lone CR become LF.
/// 4. **Controls** (`stripControls`): C0 controls except tab and LF (and CR when newlines are
///    kept), DEL, and C1 controls U+0080–U+009F are removed. NUL included.
/// 5. **Ignorables** (`stripIgnorables`): Default_Ignorable_Code_Point characters are removed —
///    zero-width space/joiners, soft hyphen, word joiner, variation selectors, BOMs inside the
///    text, tag characters. Note that this also drops ZWJ/ZWNJ, which matter in Persian, Indic
///    scripts and emoji sequences.
/// 6. **Normalization form** (`form`): none, NFC, NFKC or NFKC_Casefold through ICU.
/// 7. **Lowercasing** (`lowercase`): full root-locale lowercase after normalization (as HF's
///    `Sequence[NFKC, Lowercase]`); not re-normalized, like HF.
/// 8. **Whitespace** (`trimWhitespace`): trailing spaces removed from every line, runs of blank
///    lines collapsed to one.
///
/// A value type: share one between threads and call `normalize` or `makeStream` on each.
public struct NormalizerPipeline: Sendable, Hashable {
    public var form: NormalizationForm
    public var utf8Policy: UTF8Policy
    public var fallbackEncoding: LegacyEncoding?
    public var removeBOM: Bool
    public var normalizeNewlines: Bool
    public var stripControls: Bool
    public var stripIgnorables: Bool
    public var lowercase: Bool
    public var trimWhitespace: Bool
    /// Upper bound on the text a stream holds back while waiting for a safe cut (see
    /// `NormalizationReport.forcedCuts`). Memory stays O(chunk size + this).
    public var maxPendingBytes: Int
    /// How much of the start of the input is looked at to decide on the fallback encoding.
    public var sniffBytes: Int

    public init(form: NormalizationForm = .nfkc, utf8Policy: UTF8Policy = .strict,
                fallbackEncoding: LegacyEncoding? = nil, removeBOM: Bool = true,
                normalizeNewlines: Bool = true, stripControls: Bool = false,
                stripIgnorables: Bool = false, lowercase: Bool = false, trimWhitespace: Bool = false,
                maxPendingBytes: Int = 1 << 20, sniffBytes: Int = 1 << 16) {
        self.form = form
        self.utf8Policy = utf8Policy
        self.fallbackEncoding = fallbackEncoding
        self.removeBOM = removeBOM
        self.normalizeNewlines = normalizeNewlines
        self.stripControls = stripControls
        self.stripIgnorables = stripIgnorables
        self.lowercase = lowercase
        self.trimWhitespace = trimWhitespace
        self.maxPendingBytes = maxPendingBytes
        self.sniffBytes = sniffBytes
    }

    /// Only the normalization form: no decoding fixes, no cleanup (what a tokenizer applies to
    /// text it is given).
    public static func formOnly(_ form: NormalizationForm) -> NormalizerPipeline {
        NormalizerPipeline(form: form, removeBOM: false, normalizeNewlines: false)
    }

    /// Runs the whole pipeline on `input` at once. O(n) time; memory O(n) for the output.
    /// Gives exactly the bytes a stream gives for the same input, whatever its chunking.
    public func normalize(_ input: [UInt8]) throws -> NormalizationResult {
        var stream = makeStream()
        var output: [UInt8] = []
        output.reserveCapacity(input.count + input.count / 8)
        try input.withUnsafeBufferPointer { try stream.feed($0, into: &output) }
        try stream.finish(into: &output)
        return NormalizationResult(output: output, report: stream.report)
    }

    /// A stream that applies this pipeline chunk by chunk in bounded memory.
    public func makeStream() -> NormalizerStream { NormalizerStream(pipeline: self) }
}
