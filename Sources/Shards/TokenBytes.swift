import TokenmillSupport

/// Little-endian token bytes, as the exported files hold them.
public enum TokenBytes {
    /// Appends `tokens` as `width`-byte little-endian integers (2 or 4). u32 on a little-endian
    /// machine is one copy of the ids' memory; u16 is one narrowing pass into space reserved in
    /// `out`. O(tokens).
    public static func append(_ tokens: ArraySlice<UInt32>, width: Int, to out: inout [UInt8]) {
        tokens.withUnsafeBufferPointer { append($0, width: width, to: &out) }
    }

    /// `append(_:width:to:)` from a buffer of ids.
    public static func append(_ tokens: UnsafeBufferPointer<UInt32>, width: Int, to out: inout [UInt8]) {
        guard !tokens.isEmpty else { return }
        #if _endian(little)
        if width == 4 {
            out.append(contentsOf: UnsafeRawBufferPointer(tokens))
            return
        }
        #endif
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: tokens.count * width))
        out.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress! + start
            if width == 2 {
                for i in 0..<tokens.count { p.storeBytes(of: UInt16(truncatingIfNeeded: tokens[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            } else {
                for i in 0..<tokens.count { p.storeBytes(of: tokens[i].littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            }
        }
    }
}

/// Token ids as decimal text (`tokenmill encode --output text`): written straight into a byte
/// buffer by `DecimalText` (TokenmillSupport, two digits per table lookup), through a small stack
/// buffer that is appended to `out` in one copy, so no `String` is made per id and `out` (reused
/// by the caller) is never zero-filled first.
public enum TokenText {
    /// Appends `ids` in decimal separated by single spaces (a space also before the first id when
    /// `leadingSpace`). O(ids).
    public static func append(_ ids: UnsafeBufferPointer<UInt32>, leadingSpace: Bool = false, to out: inout [UInt8]) {
        guard !ids.isEmpty else { return }
        out.reserveCapacity(out.count + ids.count * 7)
        DecimalText.withPairs { pairs in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { scratch in
                let s = scratch.baseAddress!
                var n = 0
                var space = leadingSpace
                for id in ids {
                    if n > 4096 - 11 {
                        out.append(contentsOf: UnsafeBufferPointer(start: s, count: n))
                        n = 0
                    }
                    if space { s[n] = 0x20; n += 1 }
                    space = true
                    n += DecimalText.write(UInt64(id), to: s + n, pairs: pairs)
                }
                out.append(contentsOf: UnsafeBufferPointer(start: s, count: n))
            }
        }
    }
}
