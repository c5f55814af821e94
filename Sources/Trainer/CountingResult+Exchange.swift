import Foundation

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
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        let report = try JSONEncoder().encode(self.report)
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
    public init(serialized bytes: [UInt8]) throws {
        var at = 0
        func bad(_ what: String) -> TrainerError { TrainerError("a counts message from another rank is damaged (\(what) at byte \(at) of \(bytes.count)); rerun the job") }
        func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, at + n <= bytes.count else { throw bad("truncated") }
            defer { at += n }
            return bytes[at..<(at + n)]
        }
        func u64() throws -> UInt64 { try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        func u32() throws -> UInt32 { try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        guard Array(try take(8)) == Self.wireMagic else { throw bad("no TMCOUNT1 header") }
        let report = try JSONDecoder().decode(TrainingReport.self, from: Data(try take(Int(try u64()))))
        var heldOut: [[UInt8]] = []
        for _ in 0..<(try u64()) { heldOut.append(Array(try take(Int(try u64())))) }
        var counts = PreTokenCounts()
        for _ in 0..<(try u64()) {
            let length = Int(try u32()), count = try u64()
            counts.add(Array(try take(length)), count: count)
        }
        guard at == bytes.count else { throw bad("trailing bytes") }
        self.init(counts: counts, heldOut: heldOut, report: report)
    }
}

extension BPETrainer {
    /// The files `train(files:)` would read, in its order (directories walked, sorted by path;
    /// "-" last): what a job divides among its ranks.
    public static func inputFiles(_ paths: [String]) throws -> [String] { try expandInputs(paths) }
}
