import TokenmillSupport

/// The first stage of the pipeline: raw bytes in, valid UTF-8 out, with the byte-level cleanup
/// steps applied in order: decoding (UTF-8 strict or repair, or a legacy 8-bit fallback), BOM
/// removal, newline normalization, control and default-ignorable removal.
///
/// Streaming: state between chunks is at most an incomplete UTF-8 sequence (≤ 3 bytes), a CR
/// whose successor is not known yet, or — while deciding whether a file is UTF-8 at all — the
/// first `sniffBytes` of it. So each chunk gives the same bytes whatever the chunking.
struct InputDecoder {
    let policy: UTF8Policy
    let fallback: LegacyEncoding?
    let removeBOM: Bool
    let normalizeNewlines: Bool
    let stripControls: Bool
    let stripIgnorables: Bool
    let sniffBytes: Int

    private enum Mode { case undecided, utf8, legacy([Int32]) }
    private var mode: Mode
    /// Bytes held back from the previous chunk (an incomplete sequence, a CR, or the sniff window).
    private var carry: [UInt8] = []
    /// Input offset of `carry[0]` (or of the next chunk when `carry` is empty), for error messages.
    private var offset = 0
    private var atStart = true
    var report = NormalizationReport()

    init(pipeline: NormalizerPipeline) {
        policy = pipeline.utf8Policy
        fallback = pipeline.fallbackEncoding
        removeBOM = pipeline.removeBOM
        normalizeNewlines = pipeline.normalizeNewlines
        stripControls = pipeline.stripControls
        stripIgnorables = pipeline.stripIgnorables
        sniffBytes = max(4, pipeline.sniffBytes)
        mode = pipeline.fallbackEncoding == nil ? .utf8 : .undecided
    }

    /// Decodes `chunk` (after what was held back) and appends the result to `output`.
    /// `final` marks the end of the input: nothing is held back then. O(n).
    mutating func decode(_ chunk: UnsafeBufferPointer<UInt8>, final: Bool, into output: inout [UInt8]) throws {
        report.bytesIn += chunk.count
        if case .undecided = mode {
            carry.append(contentsOf: chunk)
            if carry.count < sniffBytes && !final { return }
            mode = try decideEncoding(carry)
            let window = carry
            carry = []
            try window.withUnsafeBufferPointer { try run($0, final: final, into: &output) }
            return
        }
        if carry.isEmpty {
            try run(chunk, final: final, into: &output)
        } else {
            let joined = carry + chunk
            carry = []
            try joined.withUnsafeBufferPointer { try run($0, final: final, into: &output) }
        }
    }

    private mutating func run(_ input: UnsafeBufferPointer<UInt8>, final: Bool, into output: inout [UInt8]) throws {
        let consumed: Int
        switch mode {
        case .legacy(let table): consumed = decodeLegacy(input, table: table, final: final, into: &output)
        default: consumed = try decodeUTF8(input, final: final, into: &output)
        }
        if consumed < input.count { carry.append(contentsOf: UnsafeBufferPointer(rebasing: input[consumed...])) }
        offset += consumed
    }

    /// "Clearly not UTF-8": the window has ill-formed sequences and more of them than
    /// well-formed multi-byte ones. Real UTF-8 with a few corrupt bytes stays UTF-8 (and is
    /// repaired or rejected per the policy); Latin-1 text almost never forms valid UTF-8 pairs.
    /// Text that is clearly not UTF-8 but that ICU's detector recognizes as another script's
    /// encoding (GB2312, EUC-KR, Shift_JIS, KOI8-R, windows-1251, UTF-16 …) is refused: the 8-bit
    /// fallback would turn it into mojibake without a single replacement to count.
    private func decideEncoding(_ window: [UInt8]) throws -> Mode {
        guard let fallback else { return .utf8 }
        if window.starts(with: [0xEF, 0xBB, 0xBF]) { return .utf8 }
        var invalid = 0, valid = 0, i = 0
        window.withUnsafeBufferPointer { bytes in
            while i < bytes.count {
                if bytes[i] < 0x80 { i += 1; continue }
                switch UTF8Validation.check(bytes, at: i) {
                case .valid(_, let length): valid += 1; i += length
                case .invalid(let length): invalid += 1; i += length
                case .truncated: i = bytes.count  // cut by the window's end: no evidence either way
                }
            }
        }
        guard invalid > 0 && invalid > valid else { return .utf8 }
        if let detected = Charsets.detect(window), Charsets.isOtherScript(detected.name), detected.confidence >= 30 {
            throw NormalizerError(unsupportedEncoding: detected.name,
                                  reason: "ICU's charset detector is \(detected.confidence)% sure from the first \(window.count) bytes, and --fallback-encoding \(fallback.rawValue) would decode it as Latin text (mojibake)",
                                  hint: "convert it to UTF-8 first (iconv -f \(detected.name) -t UTF-8), or shard it with `tokenmill shard --fallback-encoding auto`")
        }
        return .legacy(fallback.table)
    }

    // MARK: UTF-8

    /// Returns how many bytes of `input` were consumed (the rest is held back). O(n).
    private mutating func decodeUTF8(_ input: UnsafeBufferPointer<UInt8>, final: Bool, into output: inout [UInt8]) throws -> Int {
        let n = input.count
        guard let base = input.baseAddress, n > 0 else { return 0 }
        var i = 0
        if atStart {
            // A BOM can only be recognized once its three bytes are here.
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            if n < 3 && !final && bom.starts(with: input) { return 0 }
            atStart = false
            if removeBOM && n >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF {
                report.bomRemoved = true
                i = 3
            }
        }
        var copyFrom = i
        // Hoisted: a lazily initialized global costs a check on every access.
        let ignorables = stripIgnorables ? NormalizationTables.defaultIgnorable : nil
        let stripC1 = stripControls
        @inline(__always) func flush(_ end: Int) {
            if copyFrom < end { output.append(contentsOf: UnsafeBufferPointer(rebasing: input[copyFrom..<end])) }
        }
        while i < n {
            // Eight printable ASCII bytes (0x20–0x7E) at a time: the bulk of most text.
            if i &+ 8 <= n {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                let high = w & 0x8080_8080_8080_8080
                let below20 = (w &- 0x2020_2020_2020_2020) & ~w & 0x8080_8080_8080_8080
                let x = w ^ 0x7F7F_7F7F_7F7F_7F7F
                let isDEL = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
                if high | below20 | isDEL == 0 { i &+= 8; continue }
            }
            let b = input[i]
            if b >= 0x20 && b < 0x7F { i &+= 1; continue }
            if b < 0x80 {
                if b == 0x09 || b == 0x0A { i &+= 1; continue }
                if b == 0x0D && normalizeNewlines {
                    if i &+ 1 == n && !final {
                        // Hold the CR back: whether it is CRLF depends on the next chunk.
                        flush(i)
                        return i
                    }
                    flush(i)
                    output.append(0x0A)
                    report.newlinesNormalized += 1
                    i &+= (i &+ 1 < n && input[i &+ 1] == 0x0A) ? 2 : 1
                    copyFrom = i
                    continue
                }
                if stripControls && b != 0x0D {
                    flush(i)
                    report.controlsRemoved += 1
                    i &+= 1
                    copyFrom = i
                    continue
                }
                i &+= 1
                continue
            }
            // Well-formed 2- and 3-byte sequences (all of the BMP but the special cases of
            // Table 3-7) inline; everything else through the full check.
            var scalar: UInt32 = 0
            var length = 0
            if b >= 0xC2 && b < 0xE0 && i &+ 1 < n && input[i &+ 1] & 0xC0 == 0x80 {
                scalar = UInt32(b & 0x1F) << 6 | UInt32(input[i &+ 1] & 0x3F)
                length = 2
            } else if b >= 0xE1 && b < 0xF0 && b != 0xED && i &+ 2 < n
                        && input[i &+ 1] & 0xC0 == 0x80 && input[i &+ 2] & 0xC0 == 0x80 {
                scalar = UInt32(b & 0x0F) << 12 | UInt32(input[i &+ 1] & 0x3F) << 6 | UInt32(input[i &+ 2] & 0x3F)
                length = 3
            }
            if length > 0 {
                if (stripC1 && scalar < 0xA0) || (ignorables?.contains(scalar) ?? false) {
                    flush(i)
                    if scalar < 0xA0 { report.controlsRemoved += 1 } else { report.ignorablesRemoved += 1 }
                    copyFrom = i &+ length
                }
                i &+= length
                continue
            }
            switch UTF8Validation.check(input, at: i) {
            case .valid(let scalar, let length):
                if (stripC1 && scalar < 0xA0) || (ignorables?.contains(scalar) ?? false) {
                    flush(i)
                    if scalar < 0xA0 { report.controlsRemoved += 1 } else { report.ignorablesRemoved += 1 }
                    copyFrom = i &+ length
                }
                i &+= length
            case .truncated:
                if !final {
                    flush(i)
                    return i
                }
                flush(i)
                try replace(input, at: i, length: n &- i, expected: UTF8Validation.expectation(input, at: i), truncated: true, into: &output)
                i = n
                copyFrom = n
            case .invalid(let length):
                flush(i)
                try replace(input, at: i, length: length, expected: UTF8Validation.expectation(input, at: i, invalidLength: length),
                            truncated: false, into: &output)
                i &+= length
                copyFrom = i
            }
        }
        flush(n)
        return n
    }

    /// Handles one ill-formed subsequence per the policy: throws (strict) or writes U+FFFD.
    private mutating func replace(_ input: UnsafeBufferPointer<UInt8>, at i: Int, length: Int, expected: String,
                                  truncated: Bool, into output: inout [UInt8]) throws {
        if policy == .strict {
            // Show the byte that broke the sequence too, unless the input ended.
            let shown = truncated ? length : min(length + 1, input.count - i)
            throw NormalizerError(kind: truncated ? .truncatedUTF8 : .invalidUTF8, byteOffset: offset + i,
                                  bytes: Array(input[i..<(i + shown)]), expected: expected)
        }
        output.append(contentsOf: [0xEF, 0xBF, 0xBD])
        report.replacements += 1
    }

    // MARK: Legacy 8-bit

    /// Decodes a single-byte encoding through its table. Returns bytes consumed. O(n).
    private mutating func decodeLegacy(_ input: UnsafeBufferPointer<UInt8>, table: [Int32], final: Bool, into output: inout [UInt8]) -> Int {
        report.fallbackEncoding = fallback
        atStart = false
        let n = input.count
        var i = 0
        while i < n {
            let b = input[i]
            var scalar = UInt32(b)
            if b >= 0x80 {
                let mapped = table[Int(b)]
                if mapped < 0 {
                    output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    report.replacements += 1
                    i += 1
                    continue
                }
                scalar = UInt32(mapped)
            }
            if scalar == 0x0D && normalizeNewlines {
                if i + 1 == n && !final { return i }
                output.append(0x0A)
                report.newlinesNormalized += 1
                i += (i + 1 < n && input[i + 1] == 0x0A) ? 2 : 1
                continue
            }
            i += 1
            let isControl = (scalar < 0x20 && scalar != 0x09 && scalar != 0x0A && scalar != 0x0D) || (scalar >= 0x7F && scalar < 0xA0)
            if stripControls && isControl { report.controlsRemoved += 1; continue }
            if stripIgnorables && NormalizationTables.defaultIgnorable.contains(scalar) { report.ignorablesRemoved += 1; continue }
            ValidUTF8.append(scalar, to: &output)
        }
        return n
    }
}
