import Corpus
import Foundation
import Shards
import TestSupport
import Testing

/// Issue #18: the WET reader on real Common Crawl files. Fixtures/formats/wet holds the three
/// small ones (2024 one gzip member per record; 2016 one gzip member; 2014 uncompressed);
/// ../shared/corpora/web/wet adds the 44-record 2017 prefix and the 2016 selection of 25 records.
/// The expected records come from a separate, minimal parse of the decompressed bytes here:
/// the `WARC/1.0` header block, then exactly Content-Length bytes of body.
@Suite(.serialized) struct RealWET {
    static let fixtureFiles = ["whirlwind.warc.wet.gz", "jeffharwell-fragment3.wet.gz", "eugeneware-CC-MAIN-2014-35.warc.wet"]
        .map { CLI.fixtures + "/formats/wet/" + $0 }
    static let sharedFiles = ["CC-MAIN-2017-30-00000.head44.warc.wet.gz", "jeffharwell-filter_test_1.wet.gz"]
        .map { (CLI.sharedCorpora ?? "") + "/web/wet/" + $0 }

    struct Record { var type: String; var uri: String?; var body: [UInt8] }

    /// The first index at or after `from` where `needle` occurs in `haystack`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// The records of a WET file by the simplest reading of ISO 28500: headers up to CRLF CRLF,
    /// a body of Content-Length bytes, then CRLF CRLF.
    static func records(_ path: String) throws -> [Record] {
        let bytes = try InputFile.read(path)
        var records: [Record] = []
        var p = 0
        let crlf2: [UInt8] = [13, 10, 13, 10]
        while p < bytes.count {
            guard let end = Self.find(crlf2, in: bytes, from: p) else { break }
            var headers: [String: String] = [:]
            for line in String(decoding: bytes[p..<end], as: UTF8.self).components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let value = String(line[line.index(after: colon)...])
                headers[String(line[..<colon]).lowercased()] = value.trimmingCharacters(in: CharacterSet.whitespaces)
            }
            let length = Int(headers["content-length"]!)!
            records.append(Record(type: headers["warc-type"]!, uri: headers["warc-target-uri"], body: Array(bytes[(end + 4)..<(end + 4 + length)])))
            p = end + 4 + length + 4
        }
        return records
    }

    static func check(_ path: String) throws {
        let expected = try Self.records(path)
        let conversions = expected.filter { $0.type == "conversion" }
        #expect(expected.first?.type == "warcinfo", "\(path)")
        #expect(conversions.count == expected.count - 1 && conversions.count >= 1, "\(path)")
        #expect(InputFormat.guess(path: path) == .wet)
        var reader = try DocumentReader(path: path, options: ReaderOptions())
        var documents: [Document] = []
        while let d = try reader.next() { documents.append(d) }
        // The warcinfo record: read, counted as a drop, no text.
        #expect(documents.filter { $0.dropReason == .wetRecord(type: "warcinfo") }.count == 1, "\(path)")
        let texts = documents.filter { $0.dropReason == nil }
        #expect(texts.count == conversions.count, "\(path)")
        for (k, (document, record)) in zip(texts, conversions).enumerated() {
            #expect(document.bytes == record.body, "\(path) conversion \(k)")
            #expect(document.location.hasSuffix(" <\(record.uri!)>"), "\(document.location)")
        }
        // Through `tokenmill shard`: one document per conversion record, each equal to its body
        // after the normalizer's default cleanup (NFC, controls stripped, CRLF → LF, …), in order.
        let dir = try CLI.temporaryDirectory("wet")
        let r = try CLI.run(["shard", path, "-o", dir + "/out", "--no-dedup", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
        let dropped = summary["dropped"] as? [String: Int] ?? [:]
        #expect(dropped["wet_warcinfo_record"] == 1, "\(summary)")
        let pipeline = ShardOptions(inputs: []).normalization.pipeline
        let cleaned = try conversions.map { try pipeline.normalize($0.body).output }
        let kept = cleaned.filter { text in !text.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 } }
        #expect(summary["documents_kept"] as? Int == kept.count, "\(summary)")
        #expect(kept.count + (dropped["empty"] ?? 0) == conversions.count)
        for (k, text) in kept.enumerated() {
            let doc = try CLI.run(["cat", dir + "/out", "--doc", "\(k)"])
            #expect(doc.status == 0, "\(doc.stderr)")
            #expect(Array(doc.stdout) == text, "\(path) document \(k)")
        }
    }

    @Test func everyFixtureWETFileReadsAsItsConversionRecords() throws {
        for path in Self.fixtureFiles { try Self.check(path) }
    }

    @Test(.enabled(if: CLI.sharedCorpora != nil, "needs ../shared/corpora/web/wet"))
    func everySharedWETFileReadsAsItsConversionRecords() throws {
        for path in Self.sharedFiles { try Self.check(path) }
    }

    @Test func truncatedWETFailsNamingTheRecord() throws {
        let dir = try CLI.temporaryDirectory("wet-truncated")
        // Uncompressed: cut inside the third record's body.
        let plain = try InputFile.read(Self.fixtureFiles[2])
        let third = Self.find(Array("WARC/1.0\r\nWARC-Type: conversion".utf8), in: plain, from: 1000)!
        try Data(plain[..<(third + 900)]).write(to: URL(fileURLWithPath: dir + "/cut.warc.wet"))
        var reader = try DocumentReader(path: dir + "/cut.warc.wet", options: ReaderOptions())
        var read = 0
        do {
            while try reader.next() != nil { read += 1 }
            Issue.record("a truncated WET file read to its end")
        } catch {
            #expect("\(error)".contains("cut.warc.wet: WARC record 3 at byte \(third) declares Content-Length"), "\(error)")
            #expect("\(error)".contains("truncated file"), "\(error)")
        }
        #expect(read == 2)  // warcinfo and the first conversion record come before the cut
        // gzip, one member per record: cut inside the second member.
        let gz = Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixtureFiles[0])))
        try Data(gz.prefix(gz.count - 200)).write(to: URL(fileURLWithPath: dir + "/cut.warc.wet.gz"))
        var gzReader = try DocumentReader(path: dir + "/cut.warc.wet.gz", options: ReaderOptions())
        do {
            while try gzReader.next() != nil {}
            Issue.record("a truncated WET file read to its end")
        } catch {
            #expect("\(error)".contains("cut.warc.wet.gz: gzip data ends in the middle of a member"), "\(error)")
            #expect("\(error)".contains("while reading WARC record 2, which starts at uncompressed byte"), "\(error)")
        }
    }
}
