/// The hash of Tokenmill's byte-string tables: the tokenizer's vocabulary index and the
/// Trainer's pre-token counts. A fast non-cryptographic hash of a short byte string: 8-byte
/// words multiply-mixed, O(length), no allocation. All 64 bits are mixed, so callers may take
/// their slot from the low bits and a shard from the high ones.
public enum ByteStringHash {
    @inlinable @inline(__always)
    public static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        hash(p, n, readable: n)
    }

    /// The same value as `hash(p, n)`, where `p[0..<readable]` (readable ≥ n) may be read: when
    /// the last partial word has 8 readable bytes it is one masked load instead of a byte loop
    /// (the encoder's pieces are mostly 2–7 bytes, all tail).
    @inlinable @inline(__always)
    public static func hash(_ p: UnsafePointer<UInt8>, _ n: Int, readable: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            if i + 8 <= readable {
                // Little-endian: the low n - i bytes of the word are the tail, in order.
                tail = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) & (~0 >> (64 &- 8 &* UInt64(n &- i)))
            } else {
                var shift: UInt64 = 0
                while i < n { tail |= UInt64(p[i]) << shift; shift += 8; i += 1 }
            }
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        }
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return h
    }
}
