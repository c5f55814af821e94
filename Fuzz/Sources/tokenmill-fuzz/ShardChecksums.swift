import Corpus

/// Recomputes the checksums of a (mutated) shard the way `ShardWriter` lays them out
/// (docs/shard-format.md): each block's CRC-32 in the block table, the index CRC and the header
/// CRC in the footer, then the footer's own CRC (version 2). Fields that point outside the
/// file are left alone: the reader must refuse them by itself. All arithmetic is checked here
/// too, so that a crash is always the reader's.
enum ShardChecksums {
    static let headerSize = 64, footerSize = 56, entrySize = 24

    static func fixed(_ input: [UInt8]) -> [UInt8] {
        var b = input
        let n = b.count
        guard n >= headerSize + footerSize else { return b }
        let footer = n - footerSize
        func le64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) } }
        func le32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * UInt32($1)) } }
        func put32(_ v: UInt32, _ at: Int) { for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) } }
        let indexOffset = le64(footer), blockCount = le64(footer + 8)
        if indexOffset >= UInt64(headerSize), indexOffset <= UInt64(footer) {
            let index = Int(indexOffset)
            let fitting = min(blockCount, UInt64(footer - index) / UInt64(entrySize))
            for i in 0..<Int(fitting) {
                let entry = index + i * entrySize
                let offset = le64(entry), size = UInt64(le32(entry + 8))
                guard offset <= UInt64(n), size <= UInt64(n) - offset else { continue }
                put32(CRC32.of(Array(b[Int(offset)..<Int(offset + size)])), entry + 16)
            }
            put32(CRC32.of(Array(b[index..<footer])), footer + 36)
        }
        put32(CRC32.of(Array(b[0..<headerSize])), footer + 40)
        if le32(8) >= 2 { put32(CRC32.of(Array(b[footer..<(footer + 44)])), footer + 44) }
        return b
    }
}
