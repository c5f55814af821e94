import Foundation
import TokenmillSupport

/// Minimal safetensors reader/writer (float32 only): an 8-byte little-endian header length, a JSON
/// header `{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}`
/// padded with spaces to a multiple of 8 bytes, then the tensors' bytes (little-endian, row-major).
public enum Safetensors {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        /// Byte range within the data section.
        public var begin: Int
        public var end: Int
    }

    /// Serializes `tensors` (name, shape, float values) in the given order with `metadata`.
    public static func encode(_ tensors: [(name: String, shape: [Int], values: [Float])], metadata: [String: String] = [:]) throws -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        for t in tensors {
            guard t.shape.reduce(1, *) == t.values.count else {
                throw GPTError.malformedFile(.safetensors, item: t.name, message: "safetensors: \(t.name) has \(t.values.count) values for shape \(t.shape)")
            }
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]] as [String: Any]
            offset += 4 * t.values.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = Array(try JSONOutput.serialize(header, .summary))
        while json.count % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count + offset)
        out.appendLE(UInt64(json.count))
        out += json
        for t in tensors {
            t.values.withUnsafeBytes { raw in
                if UInt32(1).littleEndian == 1 { out += raw } else {
                    for v in t.values { out.appendLE(v.bitPattern) }
                }
            }
        }
        return out
    }

    /// Parses the header: entries (sorted by offset), metadata, and where the data section starts.
    public static func header(_ bytes: [UInt8]) throws -> (entries: [Entry], metadata: [String: String], dataStart: Int) {
        guard bytes.count >= 8 else { throw GPTError.malformedFile(.safetensors, item: nil, message: "safetensors: file shorter than its 8-byte header length") }
        let n = bytes.readLE64(0)
        guard n <= UInt64(bytes.count - 8) else {
            throw GPTError.malformedFile(.safetensors, item: nil, message: "safetensors: header length \(n) exceeds the file (\(bytes.count) bytes): truncated or not a safetensors file")
        }
        let dataStart = 8 + Int(n)
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) as? [String: Any] else {
            throw GPTError.malformedFile(.safetensors, item: nil, message: "safetensors: header is not a JSON object")
        }
        var entries: [Entry] = [], metadata: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw GPTError.malformedFile(.safetensors, item: name, message: "safetensors: malformed entry for \(name)")
            }
            guard dtype == "F32" else {
                throw GPTError.malformedFile(.safetensors, item: name, message: "safetensors: \(name) has dtype \(dtype); only F32 is supported (convert the checkpoint to float32)")
            }
            let e = Entry(name: name, shape: shape, begin: offsets[0], end: offsets[1])
            // Checked without arithmetic that can trap: a shape of [2^32, 2^32] overflowed the
            // product (docs/fuzzing.md).
            var elements: Int? = 1
            for dimension in shape {
                guard let n = elements, dimension >= 0 else { elements = nil; break }
                let (product, overflow) = n.multipliedReportingOverflow(by: dimension)
                elements = overflow || product > bytes.count ? nil : product
            }
            guard let elements, e.begin >= 0, e.end >= e.begin, e.end - e.begin == 4 * elements, e.end <= bytes.count - dataStart else {
                throw GPTError.malformedFile(.safetensors, item: name, message: "safetensors: \(name) has data offsets \(offsets) inconsistent with shape \(shape) or the file size")
            }
            entries.append(e)
        }
        entries.sort { $0.begin < $1.begin }
        return (entries, metadata, dataStart)
    }

    /// Reads every tensor of a safetensors file.
    public static func decode(_ bytes: [UInt8]) throws -> (tensors: [String: (shape: [Int], values: [Float])], metadata: [String: String]) {
        let (entries, metadata, dataStart) = try header(bytes)
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        bytes.withUnsafeBytes { raw in
            for e in entries {
                let count = (e.end - e.begin) / 4
                var values = [Float](repeating: 0, count: count)
                values.withUnsafeMutableBytes { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(dataStart + e.begin)..<(dataStart + e.end)]))
                }
                if UInt32(1).littleEndian != 1 {
                    for i in 0..<count { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
                }
                tensors[e.name] = (e.shape, values)
            }
        }
        return (tensors, metadata)
    }
}
