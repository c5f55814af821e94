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

    /// The rows of `ParquetReader.nextBatch` with the labels read, and without: (text or nil,
    /// location), checking each batch's counts against its rows on the way.
    static func batchRows(_ path: String, labels: Bool = true) throws -> (rows: [([UInt8]?, String)], batches: Int, largest: Int) {
        var reader = try ParquetReader(path: path, column: "text", labels: labels)
        var batch = ParquetBatch()
        var rows: [([UInt8]?, String)] = []
        var batches = 0, largest = 0
        while try reader.nextBatch(&batch) {
            batches += 1
            largest = max(largest, batch.valueBytes)
            #expect(batch.firstRow == rows.count && batch.count > 0)
            var nulls = 0, bytes = 0
            for i in 0..<batch.count {
                if batch.isNull(i) { nulls += 1; #expect(batch.starts[i] == batch.ends[i]) }
                bytes += batch.ends[i] - batch.starts[i]
                rows.append((batch.value(i), batch.location(i)))
            }
            #expect(batch.nullCount == nulls && batch.valueBytes == bytes)
        }
        #expect(try !reader.nextBatch(&batch))
        return (rows, batches, largest)
    }

    @Test func batchesHoldEveryRowsTextNullAndExactSourceLabel() throws {
        // Each file's pages as batches (values in place in a PLAIN page, gathered from the
        // dictionary otherwise; v1 and v2 pages; codecs; the null row): the texts of records.jsonl
        // byte for byte, and the label `path#row N id=… <url>` exactly (as the row-by-row reader
        // built it before batches existed).
        let records = try Self.jsonRecords()
        var mostBatches = 0
        for name in Self.goodFiles {
            let path = Self.directory + "/" + name
            let (rows, batches, _) = try Self.batchRows(path)
            #expect(rows.count == records.count, "\(name)")
            mostBatches = max(mostBatches, batches)
            for (k, (row, record)) in zip(rows, records).enumerated() {
                #expect(row.0 == record.text.map { Array($0.utf8) }, "\(name) row \(k)")
                var label = "\(path)#row \(k)"
                if name != "text-only.parquet" {
                    label += " id=\(record.id!)" + (record.url.map { " <\($0)>" } ?? "")
                }
                #expect(row.1 == label, "\(name) row \(k)")
            }
            // Text only (what `TokenmillBench read` times): the same texts, labels `path#row N`.
            let (textOnly, _, _) = try Self.batchRows(path, labels: false)
            #expect(textOnly.map(\.0) == rows.map(\.0), "\(name)")
            #expect(textOnly.map(\.1) == (0..<rows.count).map { "\(path)#row \($0)" }, "\(name)")
            // Row by row (DocumentReader, what shard reads): the same texts and labels.
            let documents = try Self.documents(path)
            #expect(documents.map { $0.dropReason == nil ? $0.bytes : nil } == rows.map(\.0), "\(name)")
            #expect(documents.map(\.location) == rows.map(\.1), "\(name)")
        }
        #expect(mostBatches > 2)  // files of several pages and row groups are among them
    }

    @Test func dictionaryValuesGatheringPast64MiBSplitTheirPageIntoBatches() throws {
        // One data page of 100 dictionary indices (zstd-repeated-dictionary.parquet, made by
        // scripts/make_parquet_fixtures.py): 89 rows of one 907,200-byte value, 80.7 MB in all,
        // every tenth row from the 4th a short value, row 50 null. A batch gathers at most 64 MiB
        // of values, so the page is read as two batches, the second going on where the first
        // stopped (dictionary index and null bitmap positions).
        let path = Self.directory + "/zstd-repeated-dictionary.parquet"
        let source = Array(try Data(contentsOf: URL(fileURLWithPath: CLI.fixtures + "/corpus/articles/python-tutorial/stdlib.rst.txt")))
        let large = Array(repeatElement(source, count: 80).joined())
        #expect(large.count == 907_200)
        let (rows, batches, largest) = try Self.batchRows(path)
        #expect(batches == 2 && largest <= 64 << 20 && largest > 60 << 20, "\(batches) batches, largest \(largest)")
        #expect(rows.count == 100)
        for (i, row) in rows.enumerated() {
            let expected: [UInt8]? = i == 50 ? nil : i % 10 == 3 ? Array("A short row.".utf8) : large
            #expect(row.0 == expected, "row \(i)")
            #expect(row.1 == "\(path)#row \(i)")
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

    /// A data page header that claims more values than its column chunk holds is refused naming
    /// both counts, before any of its levels are decoded: the count sizes the decoded arrays, and
    /// RLE lets a few bytes claim any count. text-only.parquet's data page header is at byte
    /// 48,331; its num_values 249 (zigzag varint f2 03 at 48,341) becomes 8,191 (fe 7f). Before,
    /// the reader decoded 8,191 definition levels and failed only when the RLE data ran out.
    @Test func aPageDeclaringMoreValuesThanItsChunkHoldsIsRefusedNamingBothCounts() throws {
        let dir = try CLI.temporaryDirectory("parquet-page-count")
        try Self.damagedCopy("text-only.parquet", as: "page-count.parquet", in: dir) { bytes in
            precondition(bytes[48_331] == 0x15 && bytes[48_339] == 0x2C && bytes[48_341] == 0xF2 && bytes[48_342] == 0x03,
                         "text-only.parquet changed: find its data page header again")
            bytes[48_341] = 0xFE
            bytes[48_342] = 0x7F
        }
        do {
            _ = try Self.documents(dir + "/page-count.parquet")
            Issue.record("a page declaring 8191 values in a chunk of 249 was read")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("declares 8191 values, but its column chunk has only 249 of its 249 values left"), "\(message)")
            #expect(message.contains("page-count.parquet"), "\(message)")
        }
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
