import Foundation
import TokenmillSupport

extension CountingResult {
    static let wireMagic = Array("TMCOUNT1".utf8)

    /// The counts, held-back text and report as bytes, for sending between the processes of one
    /// job (`mpirun … train-tokenizer`): `TMCOUNT1`, the report as JSON, the held-back texts,
    /// then the entries (u32 length, u64 count, bytes), all little-endian with u64 lengths for
    /// the sections. Binary rather than JSON because a table holds millions of short keys: this
    /// form is about (key + 12) bytes an entry and is read back without parsing text. O(n).
    public func serialized() throws -> [UInt8] {
        var out = Self.wireMagic
        out.reserveCapacity(counts.keyBytes + counts.count * 12 + 4096)
        func u64(_ v: UInt64) { out.appendLE(v) }
        func u32(_ v: UInt32) { out.appendLE(v) }
        let report = try JSONOutput.encode(self.report, .internalMessage)
        u64(UInt64(report.count)); out += report
        u64(UInt64(heldOut.count))
        for text in heldOut { u64(UInt64(text.count)); out += text }
        u64(UInt64(counts.count))
        counts.forEach { key, count in
            u32(UInt32(key.count)); u64(count); out += key
        }
        return out
    }

    /// Reads what `serialized()` wrote; throws on anything else (a truncated or foreign message).
    /// Numbers are loaded in place and keys are added straight from the message, with no array
    /// per key. O(message bytes).
    public init(serialized bytes: [UInt8]) throws {
        let (counts, heldOut, report) = try bytes.withUnsafeBufferPointer { try Self.parse($0) }
        self.init(counts: counts, heldOut: heldOut, report: report)
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>) throws -> (PreTokenCounts, [[UInt8]], TrainingReport) {
        var at = 0
        func bad(_ what: String) -> TrainerError { TrainerError(.damagedCountsMessage(byte: at, length: b.count), "a counts message from another rank is damaged (\(what) at byte \(at) of \(b.count)); rerun the job") }
        /// The next `n` bytes; a length past the end (however large) is "truncated".
        func take(_ n: UInt64) throws -> UnsafeBufferPointer<UInt8> {
            guard n <= UInt64(b.count - at) else { throw bad("truncated") }
            defer { at += Int(n) }
            return UnsafeBufferPointer(rebasing: b[at..<(at + Int(n))])
        }
        func u64() throws -> UInt64 { UnsafeRawBufferPointer(try take(8)).readLE(UInt64.self, at: 0) }
        func u32() throws -> UInt32 { UnsafeRawBufferPointer(try take(4)).readLE(UInt32.self, at: 0) }
        guard try take(8).elementsEqual(wireMagic) else { throw bad("no TMCOUNT1 header") }
        let report = try JSONDecoder().decode(TrainingReport.self, from: Data(buffer: try take(try u64())))
        var heldOut: [[UInt8]] = []
        for _ in 0..<(try u64()) { heldOut.append(Array(try take(try u64()))) }
        var counts = PreTokenCounts()
        for _ in 0..<(try u64()) {
            let length = try u32(), count = try u64()
            let key = try take(UInt64(length))
            if let p = key.baseAddress { counts.add(p, key.count, count: count) }
        }
        guard at == b.count else { throw bad("trailing bytes") }
        return (counts, heldOut, report)
    }
}
