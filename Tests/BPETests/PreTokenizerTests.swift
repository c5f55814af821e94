import BPE
import Corpus
import Testing

@Suite struct PreTokenizerTests {
    static let fixtureTexts: [(String, [UInt8])] = {
        try! References.load("tiktoken-gpt2").map { ($0.path, $0.text) }
    }()

    /// The hand-written scanners cut exactly where ICU's regex engine, running the same pattern
    /// text, cuts: on every fixture document (real books, web pages and nine scripts).
    @Test(arguments: [SplitPattern.gpt2, .cl100k, .o200k])
    func scannerMatchesRegexEngine(pattern: SplitPattern) throws {
        let scanner = try PreTokenizer(pattern: pattern)
        let regex = try PreTokenizer(pattern: .regex(pattern.source))
        #expect(regex.pattern.isRegex)
        for (path, text) in Self.fixtureTexts {
            let (fast, slow) = text.withUnsafeBufferPointer { bytes in
                var fast: [Int] = [], slow: [Int] = []
                scanner.forEachPiece(in: bytes) { _, end in fast.append(end) }
                regex.forEachPiece(in: bytes) { _, end in slow.append(end) }
                return (fast, slow)
            }
            let same = fast == slow
            #expect(same, "\(pattern.name) \(path): piece ends differ from index \(zip(fast, slow).prefix { $0 == $1 }.count)")
        }
    }

    /// Pieces are contiguous, non-empty and cover the input, on real text and on random strings.
    @Test(arguments: [SplitPattern.gpt2, .cl100k, .o200k])
    func piecesCoverTheInput(pattern: SplitPattern) throws {
        let splitter = try PreTokenizer(pattern: pattern)
        var generator = SplitMix64(seed: 7)
        var texts = Self.fixtureTexts.map(\.1)
        for _ in 0..<300 { texts.append(Array(randomUnicodeString(&generator, length: 1 + Int(generator.next() % 200)).utf8)) }
        for text in texts {
            var next = 0
            var ok = true
            text.withUnsafeBufferPointer { bytes in
                splitter.forEachPiece(in: bytes) { start, end in
                    if start != next || end <= start { ok = false }
                    next = end
                }
            }
            #expect(ok && next == text.count)
        }
    }

    @Test func knownPatternTextsAreRecognised() {
        for pattern in [SplitPattern.gpt2, .cl100k, .o200k] {
            #expect(SplitPattern.fromSource(pattern.source) == pattern)
        }
        // Hugging Face's ByteLevel spelling of the GPT-2 pattern.
        #expect(SplitPattern.fromSource(#"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#) == .gpt2)
    }

    @Test func invalidRegexIsAClearError() {
        #expect(throws: TokenizerError.self) { try PreTokenizer(pattern: .regex("(unclosed")) }
    }
}

/// A small deterministic generator for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random text mixing ASCII, spaces and newlines, Latin letters with marks, CJK, emoji and any scalar.
func randomUnicodeString(_ g: inout SplitMix64, length: Int) -> String {
    var scalars = String.UnicodeScalarView()
    let pools: [ClosedRange<UInt32>] = [0x20...0x7E, 0x09...0x0D, 0xC0...0x24F, 0x300...0x36F, 0x4E00...0x4E80,
                                        0x1F600...0x1F64F, 0x0E00...0x0E7F, 0x3000...0x3003, 0x0...0x10FFFF]
    while scalars.count < length {
        let pool = pools[Int(g.next() % UInt64(pools.count))]
        let value = pool.lowerBound + UInt32(g.next() % UInt64(pool.count))
        if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
    }
    return String(scalars)
}
