import Foundation
import Normalizer
import Testing

/// Real text from ../shared/corpora: multilingual/ and messy/ normalize without error in repair
/// mode, streaming equals one-shot, and the fast path agrees with an independent implementation.
@Suite("Shared corpora", .enabled(if: TestData.corporaAvailable, TestData.corporaMissing))
struct CorpusTests {
    static let multilingual = TestData.files(under: "multilingual").filter { !$0.contains("/unicode/") }
    static let messy = TestData.files(under: "messy")

    static let everyStep = NormalizerPipeline(form: .nfkc, utf8Policy: .repair, stripControls: true,
                                              stripIgnorables: true, lowercase: true, trimWhitespace: true)

    @Test("multilingual: NFC/NFKC/NFKC_CF streaming == one-shot, idempotent", arguments: multilingual)
    func multilingualFile(path: String) throws {
        let bytes = try TestData.read(path)
        #expect(!bytes.isEmpty)
        for form in [NormalizationForm.nfc, .nfkc, .nfkcCasefold] {
            let pipeline = NormalizerPipeline(form: form, utf8Policy: .repair)
            let whole = try pipeline.normalize(bytes)
            #expect(whole.report.replacements == 0, "\(path) is not valid UTF-8?")
            for chunk in [4093, 65536] {
                let parts = try streamed(pipeline, bytes, chunk: chunk)
                #expect(firstDifference(parts.output, whole.output) == nil, "\(form) \(path) chunk \(chunk)")
            }
            // The output is in the form: normalizing again changes nothing.
            #expect(UnicodeNormalizer(form: form).normalize(whole.output) == whole.output, "\(form) \(path) not idempotent")
        }
        // Tiny chunks on a prefix (whole files at 1-3 bytes per call would only cost time).
        let prefix = Array(bytes.prefix(96 << 10))
        for chunk in [1, 2, 3] {
            let whole = try Self.everyStep.normalize(prefix)
            #expect(try streamed(Self.everyStep, prefix, chunk: chunk).output == whole.output, "\(path) chunk \(chunk)")
        }
    }

    /// Foundation's NFC/NFKC (its own bundled ICU, through CFString) as an independent check of
    /// the fast path and the hand-written UTF-8 ↔ UTF-16 conversions.
    @Test("multilingual: agrees with Foundation's normalization", arguments: multilingual)
    func agreesWithFoundation(path: String) throws {
        let text = String(decoding: try TestData.read(path).prefix(1 << 20), as: UTF8.self)
        // Cut at the last newline so the prefix does not end inside a character.
        let sample = String(text[..<(text.lastIndex(of: "\n") ?? text.endIndex)])
        let nfc = UnicodeNormalizer(form: .nfc).normalize(sample)
        let nfkc = UnicodeNormalizer(form: .nfkc).normalize(sample)
        #expect(nfc == sample.precomposedStringWithCanonicalMapping, "NFC differs on \(path)")
        #expect(nfkc == sample.precomposedStringWithCompatibilityMapping, "NFKC differs on \(path)")
    }

    @Test("messy: every file normalizes in repair mode, any chunking", arguments: messy)
    func messyFile(path: String) throws {
        let bytes = try TestData.read(path)
        let whole = try Self.everyStep.normalize(bytes)
        #expect(String(validating: whole.output, as: UTF8.self) != nil)
        #expect(whole.report.bytesIn == bytes.count)
        for chunk in [1, 7, 4096] where bytes.count <= 512 << 10 || chunk > 1 {
            let parts = try streamed(Self.everyStep, bytes, chunk: chunk)
            #expect(firstDifference(parts.output, whole.output) == nil, "\(path) chunk \(chunk)")
            #expect(parts.report == whole.report)
        }
        if path.contains("/crlf/") { #expect(whole.report.newlinesNormalized > 0 && !whole.output.contains(0x0D)) }
        if path.contains("/control-chars/") {
            #expect(whole.report.controlsRemoved > 0)
            #expect(!whole.output.contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A })
        }
    }

    @Test("messy: Latin-1 files are detected with a fallback, repaired without one")
    func latin1Fallback() throws {
        let latin1 = TestData.files(under: "messy/latin1") + TestData.files(under: "messy/invalid-utf8")
        #expect(!latin1.isEmpty)
        for path in latin1 {
            let bytes = try TestData.read(path)
            let repaired = try NormalizerPipeline(form: .nfc, utf8Policy: .repair).normalize(bytes)
            #expect(repaired.report.replacements > 0, "\(path)")
            let decoded = try NormalizerPipeline(form: .nfc, utf8Policy: .strict, fallbackEncoding: .windows1252).normalize(bytes)
            #expect(decoded.report.fallbackEncoding == .windows1252, "\(path)")
            #expect(decoded.report.replacements == 0, "\(path)")
            if path.contains("focalinux") { #expect(decoded.text.contains("não") && decoded.text.contains("configuração")) }
        }
        // The UTF-8 files there stay UTF-8.
        for path in TestData.files(under: "messy/crlf") {
            let decoded = try NormalizerPipeline(form: .nfc, fallbackEncoding: .windows1252).normalize(try TestData.read(path))
            #expect(decoded.report.fallbackEncoding == nil, "\(path)")
        }
    }

    @Test("strict mode reports the first invalid byte of a real file")
    func strictOnRealFile() throws {
        let path = TestData.corpora + "/messy/invalid-utf8/python-badsyntax_pep3120.py"
        let bytes = try TestData.read(path)
        let offset = Array(bytes).firstIndex { $0 >= 0x80 }!
        #expect {
            try NormalizerPipeline(form: .nfc).normalize(bytes)
        } throws: { error in
            (error as? NormalizerError)?.byteOffset == offset
        }
    }

    @Test("English text takes the fast path: unchanged by NFKC")
    func englishUnchanged() throws {
        let bytes = try TestData.read(TestData.corpora + "/books/kjv-bible.txt.zst")
        let result = try NormalizerPipeline(form: .nfkc, normalizeNewlines: false).normalize(bytes)
        #expect(result.output == bytes)
        #expect(result.report.charactersChanged == 0)
    }
}
