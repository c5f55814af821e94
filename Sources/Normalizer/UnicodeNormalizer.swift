import ICUShim
import TokenmillSupport

/// Applies one Unicode normalization form to valid UTF-8 text through ICU's `unorm2`.
///
/// Only the spans that can change are sent to ICU. A code point that is quick-check YES and has
/// a normalization boundary before it (all of ASCII, and most letters of most scripts) is
/// already normalized and cannot combine with what precedes it, so runs of such code points are
/// copied as bytes, without converting them to UTF-16: those conversions cost as much as ICU's
/// normalization itself. ASCII is checked eight bytes at a time.
///
/// A value type with no mutable state: safe to share between threads. ICU's normalizer
/// instances are immutable singletons.
public struct UnicodeNormalizer: Sendable {
    public let form: NormalizationForm

    public init(form: NormalizationForm) { self.form = form }

    /// Normalizes `utf8`, which must be valid UTF-8 (invalid input gives unspecified but
    /// memory-safe output; validate with `NormalizerPipeline` first). O(n): ASCII and other
    /// fast-path text at memory speed, other spans at ICU's speed.
    public func normalize(_ utf8: [UInt8]) -> [UInt8] {
        if form == .none { return utf8 }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count + utf8.count / 8)
        var buffers = ICUBuffers()
        _ = utf8.withUnsafeBufferPointer { append(normalizing: $0, to: &output, buffers: &buffers) }
        return output
    }

    /// Normalizes a string. O(n).
    public func normalize(_ text: String) -> String {
        String(decoding: normalize(Array(text.utf8)), as: UTF8.self)
    }

    /// Appends the normalized form of `utf8` (valid UTF-8) to `output` and returns how many
    /// input code points it changed (an estimate: code points between the first and last
    /// difference of each span ICU rewrote). O(n).
    ///
    /// The start of `utf8` must be a normalization boundary of the whole text (the start of the
    /// text, or a position where `hasBoundaryBefore` holds): this is what lets callers
    /// normalize a long text piece by piece.
    @discardableResult
    public func append(normalizing utf8: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) -> Int {
        var buffers = ICUBuffers()
        return append(normalizing: utf8, to: &output, buffers: &buffers)
    }

    /// Whether text can be cut before `scalar` without changing its normalization: true for
    /// ASCII and for most letters, false for combining marks and other code points that may
    /// combine with what precedes them. O(1).
    public func hasBoundaryBefore(_ scalar: Unicode.Scalar) -> Bool {
        hasBoundaryBefore(scalar.value)
    }

    /// The last position `p` in `1..<utf8.count` such that `utf8[p...]` starts with a code point
    /// that has a normalization boundary before it, or 0 when there is none. Normalizing
    /// `utf8[..<p]` and `utf8[p...]` separately gives the same bytes as normalizing `utf8`.
    /// O(distance from the end), usually O(1).
    public func lastBoundary(in utf8: UnsafeBufferPointer<UInt8>) -> Int {
        var p = utf8.count - 1
        while p > 0 {
            let b = utf8[p]
            if b < 0x80 { return p }
            if b >= 0xC0 {
                let (c, _) = ValidUTF8.decodeClamped(utf8, at: p)
                if hasBoundaryBefore(c) { return p }
            }
            p -= 1
        }
        return 0
    }

    @inline(__always)
    func hasBoundaryBefore(_ c: UInt32) -> Bool {
        guard let icuForm = form.icuForm, let table = NormalizationTables.fastYes(for: form) else { return true }
        if c < 0x80 || table.contains(c) { return true }
        return tm_has_boundary_before(icuForm, Int32(bitPattern: c)) != 0
    }
}

extension UnicodeNormalizer {
    /// The Unicode version of the ICU data the normalizer uses, e.g. "15.0".
    public static var unicodeVersion: String {
        var buffer = [CChar](repeating: 0, count: 32)
        tm_unicode_version(&buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
