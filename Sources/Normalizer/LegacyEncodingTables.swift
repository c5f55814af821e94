import ICUShim

/// Process-wide tables, built lazily (and thread-safely) on first use.
enum LegacyEncodingTables {
    static let latin1 = build(.latin1)
    static let windows1252 = build(.windows1252)

    private static func build(_ encoding: LegacyEncoding) -> [Int32] {
        var table = [Int32](repeating: -1, count: 256)
        let status = table.withUnsafeMutableBufferPointer { tm_single_byte_table(encoding.icuName, $0.baseAddress) }
        // The two converters are part of ICU's built-in data; failing to open them means a
        // broken ICU installation. Latin-1 is the identity, so fall back to it rather than crash.
        if status != 0 { for b in 0..<256 { table[b] = Int32(b) } }
        return table
    }
}
