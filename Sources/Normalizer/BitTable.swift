import ICUShim

/// A read-only bitmap over the Basic Multilingual Plane, filled once from ICU, with a fallback
/// query into ICU for supplementary code points.
///
/// Why: asking ICU about every character costs a call per code point; a 8 KiB bitmap answers
/// in one load and stays in L1 cache. Supplementary code points (emoji, historic scripts) are
/// rare enough in text that a call for them does not matter.
///
/// Immutable after `init` (the storage is written once and never freed: the tables are
/// process-wide), hence `@unchecked Sendable`.
final class BitTable: @unchecked Sendable {
    private let bits: UnsafeMutablePointer<UInt64>
    private let supplementary: @Sendable (Int32) -> Bool

    /// - Parameters:
    ///   - fill: writes the 1024-word BMP bitmap.
    ///   - supplementary: answers for code points ≥ U+10000.
    init(fill: (UnsafeMutablePointer<UInt64>) -> Void, supplementary: @escaping @Sendable (Int32) -> Bool) {
        bits = UnsafeMutablePointer<UInt64>.allocate(capacity: 1024)
        fill(bits)
        self.supplementary = supplementary
    }

    /// O(1); one memory load for BMP code points.
    @inline(__always)
    func contains(_ scalar: UInt32) -> Bool {
        if scalar < 0x10000 {
            return bits[Int(scalar &>> 6)] & (1 &<< UInt64(scalar & 63)) != 0
        }
        return supplementary(Int32(bitPattern: scalar))
    }
}
