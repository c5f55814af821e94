import Foundation
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// One rank's MinHash records while it reads its inputs, before they go to rank 0
/// (`DistributedShard.exchangeSignatures`): `(local ordinal: UInt32, exact-dedup key: 16 bytes,
/// bucket digests: buckets × UInt64)`, little-endian, 132 bytes with 14 buckets, in ordinal
/// order. Up to `memoryBytes` of them are held in memory; past it they are appended to a file
/// of this process's own in `directory`, which is unlinked as soon as it is open, so nothing is
/// left on disk whatever way the process ends (kill -9 included), and no other run can see it.
/// Then `next(max:)` gives them back in order: the file's records first, the held ones last.
///
/// Why spill rather than hold: the records wait on each rank until the cross-rank exact
/// deduplication is known and rank 0 asks for them round by round; held, they cost 132 bytes per
/// signed document per rank (about 132 MB per million), beyond any `--minhash-memory` bound.
struct SignatureSpool {
    let recordBytes: Int
    let memoryBytes: Int
    let directory: String
    private var held: [UInt8] = []
    private var fd: Int32 = -1
    private var name = ""
    /// Records appended, and those written to the file (`minhash.spilled_signatures`).
    private(set) var count = 0
    private(set) var spilled = 0
    /// Reading: the file's records not yet read, the byte they start at, and the position in `held`.
    private var unread = 0
    private var readOffset: Int64 = 0
    private var heldPosition = 0

    init(buckets: Int, memoryBytes: Int, directory: String) {
        recordBytes = 4 + 16 + 8 * buckets
        // At least one record, so that a tiny bound still makes progress.
        self.memoryBytes = max(recordBytes, memoryBytes)
        self.directory = directory
    }

    mutating func append(ordinal: Int, key: SIMD16<UInt8>, digests: [UInt64]) throws {
        held.appendLE(UInt32(ordinal))
        for k in 0..<16 { held.append(key[k]) }
        for d in digests { held.appendLE(d) }
        count += 1
        if held.count + recordBytes > memoryBytes { try spill() }
    }

    /// Appends the held records to the file (opened, and unlinked, at the first spill).
    private mutating func spill() throws {
        guard !held.isEmpty else { return }
        if fd < 0 {
            name = directory + "/minhash-signatures.tmp-\(getpid())"
            fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw FileIOError(.create, path: name) }
            unlink(name)
        }
        let path = name
        try held.withUnsafeBytes { try FileIO.writeAll(fd, $0, path: path) }
        spilled += held.count / recordBytes
        held.removeAll(keepingCapacity: true)
    }

    /// Ends appending: when the file was used, the held tail joins it and the memory is freed,
    /// so that only one round's records are in memory while they are sent.
    mutating func finishWriting() throws {
        if fd >= 0 {
            try spill()
            held = []
        }
        readOffset = 0
        unread = spilled
    }

    /// Up to `max` records, in order (empty at the end).
    mutating func next(max: Int) throws -> [UInt8] {
        if unread > 0 {
            let n = min(max, unread)
            var chunk = [UInt8](repeating: 0, count: n * recordBytes)
            let fd = fd, path = name, offset = readOffset
            let got = try chunk.withUnsafeMutableBytes { raw throws(FileIOError) -> Int in
                try FileIO.read(fd, at: offset, into: raw, path: path)
            }
            guard got == chunk.count else { throw FileIOError(.read, path: name, code: EIO) }   // the file shrank under us
            readOffset += Int64(got)
            unread -= n
            return chunk
        }
        let end = min(held.count, heldPosition + max * recordBytes)
        defer { heldPosition = end }
        return Array(held[heldPosition..<end])
    }

    /// Closes the file (already unlinked) and frees the memory.
    mutating func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        held = []
    }
}
