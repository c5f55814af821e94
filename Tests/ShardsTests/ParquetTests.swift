import Corpus
import Foundation
import TestSupport
import Testing

/// Issue #18: the Parquet reader on files written by pyarrow (Fixtures/formats/parquet, made by
/// scripts/make_parquet_fixtures.py from the real text of Fixtures/corpus). Every file holds the
/// same records as records.jsonl; each exercises one writer setting: codec (none, snappy, zstd,
/// gzip), dictionary or plain values (and a dictionary that falls back to plain pages), data
/// pages v1 or v2, several row groups, page CRCs, a null text, a value larger than the data
/// page size, extra `id`/`url` columns.
@Suite(.serialized) struct ParquetInput {
    static let directory = CLI.fixtures + "/formats/parquet"
    static let goodFiles = ["none-plain-v1.parquet", "snappy-dictionary-v1.parquet", "zstd-dictionary-v2.parquet",
                            "gzip-plain-v2.parquet", "snappy-dictionary-fallback-v1.parquet", "text-only.parquet"]

    /// The records of records.jsonl: (id, url, text), text nil for the null row.
    static func jsonRecords() throws -> [(id: String?, url: String?, text: String?)] {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/records.jsonl"))
        return try data.split(separator: 0x0A).map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            return (object["id"] as? String, object["url"] as? String, object["text"] as? String)
        }
    }

    static func documents(_ path: String, format: InputFormat? = nil, field: String = "text") throws -> [Document] {
        var reader = try DocumentReader(path: path, options: ReaderOptions(format: format, textField: field))
        var documents: [Document] = []
        while let document = try reader.next() { documents.append(document) }
        return documents
    }

    @Test func everyFixtureYieldsTheRecordsTextsByteForByte() throws {
        let records = try Self.jsonRecords()
        #expect(records.count == 249)
        #expect(records.contains { $0.text == nil })
        #expect(records.contains { ($0.text?.utf8.count ?? 0) > 8192 })  // larger than the files' data page size
        for name in Self.goodFiles {
            let path = Self.directory + "/" + name
            #expect(InputFormat.guess(path: path) == .parquet)
            let documents = try Self.documents(path)
            #expect(documents.count == records.count, "\(name)")
            for (k, (document, record)) in zip(documents, records).enumerated() {
                if let text = record.text {
                    #expect(document.dropReason == nil && document.problem == nil)
                    #expect(document.bytes == Array(text.utf8), "\(name) row \(k)")
                } else {
                    #expect(document.dropReason == .nullText, "\(name) row \(k)")
                    #expect(document.bytes.isEmpty)
                }
                #expect(document.location.hasPrefix("\(path)#row \(k)"), "\(document.location)")
                if name != "text-only.parquet" {
                    #expect(document.location.contains("id=\(record.id!)"), "\(document.location)")
                    if let url = record.url { #expect(document.location.hasSuffix("<\(url)>"), "\(document.location)") }
                }
            }
        }
    }

    @Test func textFieldNamesAnotherColumn() throws {
        // --text-field url: the url column is read as the text (null urls are null rows).
        let documents = try Self.documents(Self.directory + "/snappy-dictionary-v1.parquet", field: "url")
        let records = try Self.jsonRecords()
        #expect(documents.map { $0.dropReason == nil ? String(decoding: $0.bytes, as: UTF8.self) : nil } == records.map(\.url))
        let missing = #expect(throws: InputError.self) { try Self.documents(Self.directory + "/text-only.parquet", field: "content") }
        #expect(missing?.kind == .invalidRequest && missing?.path == Self.directory + "/text-only.parquet", "\(String(describing: missing))")
        do { _ = try Self.documents(Self.directory + "/text-only.parquet", field: "content") } catch {
            #expect("\(error)".contains("no column \"content\"; the file has text"), "\(error)")
        }
    }

    /// `tokenmill cat --ids` of a shard directory: one line of token ids per document.
    static func ids(_ directory: String) throws -> [String] {
        let r = try CLI.run(["cat", directory, "--ids"])
        #expect(r.status == 0, "\(r.stderr)")
        return r.text.split(separator: "\n").map(String.init)
    }

    static func summary(_ r: CLI.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any] ?? [:]
    }

    @Test func shardOnParquetGivesTheDocumentsOfTheSameRecordsAsJSONL() throws {
        let dir = try CLI.temporaryDirectory("parquet-parity")
        let common = ["--val-fraction", "0.2", "--json", "--shard-tokens", "20000"]
        let reference = try CLI.run(["shard", Self.directory + "/records.jsonl", "-o", dir + "/jsonl", "--input-format", "jsonl"] + common)
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try Self.ids(dir + "/jsonl")
        let referenceSummary = try Self.summary(reference)
        let referenceDrops = referenceSummary["dropped"] as? [String: Int] ?? [:]
        // JSONL has no null: the null row is a malformed record there, a null_text drop in Parquet.
        #expect(referenceDrops["malformed_record"] == 1 && (referenceDrops["duplicate"] ?? 0) >= 1, "\(referenceDrops)")
        var parquetDrops = referenceDrops
        parquetDrops["malformed_record"] = nil
        parquetDrops["null_text"] = 1
        #expect(expected.count == 249 - referenceDrops.values.reduce(0, +))
        for name in Self.goodFiles {
            let out = dir + "/" + name
            let r = try CLI.run(["shard", Self.directory + "/" + name, "-o", out, "--input-format", "parquet"] + common)
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(r.stderr.isEmpty, "\(name): \(r.stderr)")  // a null text is a counted drop, not a warning
            let s = try Self.summary(r)
            #expect(s["documents_read"] as? Int == referenceSummary["documents_read"] as? Int, "\(name)")
            #expect(s["documents_kept"] as? Int == referenceSummary["documents_kept"] as? Int, "\(name)")
            #expect(s["tokens"] as? Int == referenceSummary["tokens"] as? Int, "\(name)")
            #expect(s["dropped"] as? [String: Int] == parquetDrops, "\(name): \(s)")
            #expect(try Self.ids(out) == expected, "\(name)")
        }
        // The extension alone picks the format.
        let guessed = try CLI.run(["shard", Self.directory + "/zstd-dictionary-v2.parquet", "-o", dir + "/guessed"] + common)
        #expect(guessed.status == 0, "\(guessed.stderr)")
        #expect(try Self.ids(dir + "/guessed") == expected)
    }

    @Test func interruptedParquetShardResumesToTheSameShards() throws {
        // Small shards; the state a kill after the second finished shard leaves (journal cut
        // there, later shards and the manifest gone) is resumed by the same command, which must
        // give exactly the documents of the uninterrupted run (dedup and split replayed).
        let dir = try CLI.temporaryDirectory("parquet-resume")
        let input = Self.directory + "/snappy-dictionary-v1.parquet"
        let args = ["--shard-tokens", "2000", "--val-fraction", "0.2"]
        #expect(try CLI.run(["shard", input, "-o", dir + "/whole"] + args).status == 0)
        let expected = try Self.ids(dir + "/whole")
        try StandardInputShard.interrupted(dir + "/whole", copy: dir + "/resumed", standardInput: false)
        let r = try CLI.run(["shard", input, "-o", dir + "/resumed"] + args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.ids(dir + "/resumed") == expected)
    }

    /// A copy of a fixture with `edit` applied to its bytes, in `folder`.
    static func damagedCopy(_ name: String, as newName: String, in folder: String, _ edit: (inout [UInt8]) -> Void) throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
        edit(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + newName))
    }

    @Test func badParquetIsReportedByFileAndPositionAndTheRestIsSharded() throws {
        let dir = try CLI.temporaryDirectory("parquet-bad")
        let folder = dir + "/inputs"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.directory + "/snappy-dictionary-v1.parquet", toPath: folder + "/a-good.parquet")
        #expect(try CLI.run(["shard", folder, "-o", dir + "/good-only"]).status == 0)
        let good = try Self.ids(dir + "/good-only")

        try Self.damagedCopy("snappy-dictionary-v1.parquet", as: "truncated-footer.parquet", in: folder) { $0.removeLast(100) }
        try Self.damagedCopy("snappy-dictionary-v1.parquet", as: "wrong-magic.parquet", in: folder) { $0.replaceSubrange(0..<4, with: Array("PAR2".utf8)) }
        // The first page header (text-only.parquet's first column chunk starts at byte 4) overwritten.
        try Self.damagedCopy("text-only.parquet", as: "corrupt-page-header.parquet", in: folder) { $0.replaceSubrange(4..<20, with: [UInt8](repeating: 0xFF, count: 16)) }
        // One byte of text inside a page of a file written with page CRCs.
        let records = try Self.jsonRecords()
        let needle = Array(records[30].text!.utf8.prefix(40))
        try Self.damagedCopy("none-plain-v1.parquet", as: "corrupt-page-crc.parquet", in: folder) { bytes in
            let at = bytes.indices.first { bytes[$0..<min(bytes.count, $0 + needle.count)].elementsEqual(needle) }!
            bytes[at + 10] ^= 0x20
        }
        for name in ["brotli.parquet", "nested.parquet", "delta-length.parquet"] {
            try FileManager.default.copyItem(atPath: Self.directory + "/" + name, toPath: folder + "/" + name)
        }
        let expectations: [(String, [String])] = [
            ("truncated-footer.parquet", ["expected the Parquet magic \"PAR1\" at byte", "truncated"]),
            ("wrong-magic.parquet", ["not a Parquet file: expected the magic \"PAR1\" at byte 0, found \"PAR2\""]),
            ("corrupt-page-header.parquet", ["row group 0, column \"text\", row 0: corrupt page header at byte 4"]),
            ("corrupt-page-crc.parquet", ["column \"text\"", "fails its CRC-32 check", "the file is corrupt"]),
            ("brotli.parquet", ["row group 0, column \"text\": compression codec BROTLI is not supported"]),
            ("nested.parquet", ["column \"text\" is nested"]),
            ("delta-length.parquet", ["row group 0, column \"text\", row 0", "DELTA_LENGTH_BYTE_ARRAY encoding; supported: PLAIN"]),
        ]
        let r = try CLI.run(["shard", folder, "-o", dir + "/out", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        for (name, fragments) in expectations {
            let line = r.stderr.split(separator: "\n").first { $0.contains(folder + "/" + name) }.map(String.init) ?? ""
            for fragment in fragments { #expect(line.contains(fragment), "\(name): \(line)") }
        }
        let s = try Self.summary(r)
        #expect((s["dropped"] as? [String: Int])?["input_error"] == expectations.count, "\(s)")
        // Documents before the corrupt CRC page are kept; all of the good file's are there.
        let ids = try Self.ids(dir + "/out")
        #expect(Set(good).isSubset(of: Set(ids)))
        let strict = try CLI.run(["shard", folder, "-o", dir + "/strict", "--strict"])
        #expect(strict.status != 0 && strict.stderr.contains("brotli.parquet"), "\(strict.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/strict/manifest.json"))
    }
}
