/// Little-endian token bytes, as the exported files hold them.
public enum TokenBytes {
    /// Appends `tokens` as `width`-byte little-endian integers (2 or 4).
    public static func append(_ tokens: ArraySlice<UInt32>, width: Int, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: tokens.count * width))
        out.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress! + start
            tokens.withUnsafeBufferPointer { src in
                if width == 2 {
                    for i in 0..<src.count { p.storeBytes(of: UInt16(truncatingIfNeeded: src[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
                } else {
                    for i in 0..<src.count { p.storeBytes(of: src[i].littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
                }
            }
        }
    }
}
