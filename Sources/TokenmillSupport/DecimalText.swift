/// Unsigned integers as decimal ASCII digits written straight into bytes, two digits per table
/// lookup, with no `String` per number: the one routine behind token ids as text (`TokenText`,
/// `tokenmill encode --output text`) and the row numbers in the Parquet reader's document
/// locations. Hot loops take the table once (`withPairs`) and call `write` per number.
public enum DecimalText {
    /// "00" "01" … "99".
    @usableFromInline static let pairs: [UInt8] = {
        var table: [UInt8] = []
        for n in 0..<100 { table.append(UInt8(0x30 + n / 10)); table.append(UInt8(0x30 + n % 10)) }
        return table
    }()

    /// The most digits `write` produces (`UInt64.max` has 20).
    public static let maxDigits = 20

    /// Number of decimal digits of `v` (1…20). O(1): a ladder of comparisons, short for the
    /// small values (token ids, row numbers) it sees.
    @inlinable @inline(__always)
    public static func digitCount(_ v: UInt64) -> Int {
        if v < 10_000_000_000 {
            return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10_000 ? 4 : v < 100_000 ? 5
                : v < 1_000_000 ? 6 : v < 10_000_000 ? 7 : v < 100_000_000 ? 8 : v < 1_000_000_000 ? 9 : 10
        }
        var n = 11
        var bound: UInt64 = 100_000_000_000
        while n < maxDigits && v >= bound { n += 1; bound &*= 10 }
        return n
    }

    /// Calls `body` with the "00"…"99" table for `write`.
    @inlinable @inline(__always)
    public static func withPairs<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try pairs.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// Writes the digits of `v` at `p`, which must have room for `digitCount(v)` bytes; returns
    /// that count. `pairs` comes from `withPairs`.
    @inlinable @inline(__always)
    public static func write(_ v: UInt64, to p: UnsafeMutablePointer<UInt8>, pairs: UnsafePointer<UInt8>) -> Int {
        let digits = digitCount(v)
        var v = v
        var e = digits
        while v >= 100 {
            let r = Int(v % 100) &* 2
            v /= 100
            e -= 2
            p[e] = pairs[r]; p[e + 1] = pairs[r + 1]
        }
        if v >= 10 {
            let r = Int(v) &* 2
            p[e - 2] = pairs[r]; p[e - 1] = pairs[r + 1]
        } else {
            p[e - 1] = 0x30 &+ UInt8(truncatingIfNeeded: v)
        }
        return digits
    }

    /// Appends the digits of `v` to `out`.
    @inlinable
    public static func append(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxDigits) { scratch in
            let n = withPairs { write(v, to: scratch.baseAddress!, pairs: $0) }
            out.append(contentsOf: UnsafeBufferPointer(start: scratch.baseAddress!, count: n))
        }
    }

    /// Appends the digits of `v`, which must not be negative (a count, a row number).
    @inlinable
    public static func append(_ v: Int, to out: inout [UInt8]) {
        precondition(v >= 0, "DecimalText.append: \(v) is negative")
        append(UInt64(v), to: &out)
    }
}
