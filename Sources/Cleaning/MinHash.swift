import Foundation
import TokenmillSupport

/// MinHash signatures as datatrove's `MinhashDedupSignature` computes them (its defaults: word
/// 5-grams, 14 buckets × 8 hashes, XXH64 shingles, 64-bit permutations with seed 1): the text
/// is simplified (lowercased, numbers to `0`, punctuation to spaces, whitespace collapsed,
/// accents removed), split into words, and each 5-gram joined by spaces is hashed; hash i of
/// the signature is the least ((h · a[i] + b[i]) mod 2⁶⁴) mod (2⁶¹ − 1) over the shingles.
///
/// Two documents are candidates when all the hashes of one bucket agree: for Jaccard
/// similarity s of their shingle sets, with probability 1 − (1 − s^r)^b (r hashes per bucket,
/// b buckets; docs/cleaning.md has the table).
///
/// Here a bucket is kept as one 64-bit digest of its r hashes (XXH64 of their bytes), 112
/// bytes per document for 14 buckets instead of 896: two different buckets collide with
/// probability 2⁻⁶⁴.
public struct MinHashConfig: Sendable, Hashable, Codable {
    public var nGrams = 5
    public var buckets = 14
    public var hashesPerBucket = 8
    public init() {}

    /// The permutation parameters: datatrove's own (numpy's generator, seed 1) for 14 × 8;
    /// for other shapes a SplitMix64 sequence (seed 1), so signatures differ from datatrove's.
    var parameters: (a: [UInt64], b: [UInt64]) {
        let n = buckets * hashesPerBucket
        if n == ReferenceTables.minHashA.count { return (ReferenceTables.minHashA, ReferenceTables.minHashB) }
        var state: UInt64 = 1
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (z ^ (z >> 31)) % MinHash.prime
        }
        let a = (0..<n).map { _ in max(1, next()) }
        let b = (0..<n).map { _ in next() }
        return (a, b)
    }
}

public struct MinHash: Sendable {
    static let prime: UInt64 = (1 << 61) - 1
    public let config: MinHashConfig
    let a: [UInt64]
    let b: [UInt64]

    public init(_ config: MinHashConfig) {
        self.config = config
        (a, b) = config.parameters
    }

    /// The bucket digests of `text` (scalars), or nil when it has fewer words than an n-gram
    /// (datatrove writes no signature for such a document: it is never a duplicate).
    public func bucketDigests(_ text: [UInt32]) -> [UInt64]? {
        guard let mins = signature(text) else { return nil }
        let r = config.hashesPerBucket
        return (0..<config.buckets).map { bucket in
            mins[(bucket * r)..<((bucket + 1) * r)].withUnsafeBytes { XXHash64.hash($0) }
        }
    }

    /// The full signature (buckets × hashes per bucket minima), or nil without a shingle.
    public func signature(_ text: [UInt32]) -> [UInt64]? {
        let simple = Self.simplify(text)
        let words = WordSplitter.words(simple)
        let n = config.nGrams
        guard words.count >= n else { return nil }
        var mins = [UInt64](repeating: .max, count: a.count)
        var joined: [UInt8] = []
        for start in 0...(words.count - n) {
            joined.removeAll(keepingCapacity: true)
            for k in start..<(start + n) {
                if k > start { joined.append(0x20) }
                for i in words[k] { ValidUTF8.append(simple[i], to: &joined) }
            }
            let h = joined.withUnsafeBytes { XXHash64.hash($0) }
            for i in 0..<mins.count {
                let v = (h &* a[i] &+ b[i]) % Self.prime
                if v < mins[i] { mins[i] = v }
            }
        }
        return mins
    }

    /// datatrove's `simplify_text` with its default settings.
    public static func simplify(_ text: [UInt32]) -> [UInt32] {
        // Lowercase (full Unicode mappings), numbers to 0, punctuation to spaces.
        var lowered: [UInt32] = []
        lowered.reserveCapacity(text.count)
        var ascii = true
        for c in text {
            if c < 0x80 { lowered.append(c >= 0x41 && c <= 0x5A ? c | 0x20 : c); continue }
            ascii = false
            guard let s = Unicode.Scalar(c) else { lowered.append(c); continue }
            let mapping = s.properties.lowercaseMapping
            for m in mapping.unicodeScalars { lowered.append(m.value) }
        }
        var out: [UInt32] = []
        out.reserveCapacity(lowered.count)
        var i = 0
        while i < lowered.count {
            let c = lowered[i]
            if PythonText.isDecimal(c) {
                while i < lowered.count && PythonText.isDecimal(lowered[i]) { i += 1 }
                if i + 1 < lowered.count, isDecimalSeparator(lowered[i]), PythonText.isDecimal(lowered[i + 1]) {
                    i += 1
                    while i < lowered.count && PythonText.isDecimal(lowered[i]) { i += 1 }
                }
                out.append(0x30)
                continue
            }
            out.append(PunctuationSet.simplified.contains(c) ? 0x20 : c)
            i += 1
        }
        // Whitespace runs to one space, stripped.
        var collapsed: [UInt32] = []
        collapsed.reserveCapacity(out.count)
        for c in out {
            if PythonText.isSpace(c) {
                if let last = collapsed.last, last != 0x20 { collapsed.append(0x20) }
            } else { collapsed.append(c) }
        }
        if collapsed.last == 0x20 { collapsed.removeLast() }
        guard !ascii else { return collapsed }
        // Accents: canonical decomposition, combining marks (Mn) dropped.
        var s = String.UnicodeScalarView()
        for c in collapsed { if let u = Unicode.Scalar(c) { s.append(u) } }
        let decomposed = String(s).decomposedStringWithCanonicalMapping
        var result: [UInt32] = []
        result.reserveCapacity(collapsed.count)
        for u in decomposed.unicodeScalars where u.properties.generalCategory != .nonspacingMark { result.append(u.value) }
        let stripped = PythonText.strip(result, 0..<result.count)
        return stripped.count == result.count ? result : Array(result[stripped])
    }

    @inline(__always) static func isDecimalSeparator(_ c: UInt32) -> Bool {
        switch c {
        case 0x2E, 0x2C, 0x60C, 0x66B, 0x2396, 0x2397, 0x2398: return true
        default: return false
        }
    }
}
