/// Reads Apache Thrift's compact protocol, the encoding of Parquet's footer and page headers
/// (thrift/doc/specs/thrift-compact-protocol.md): field headers carry a 4-bit type and a field-id
/// delta, integers are zigzag varints, binaries and strings a varint length then bytes, lists a
/// size-and-type byte. Only what Parquet uses is decoded; any field a caller does not ask for is
/// skipped by type, so files written with newer versions of parquet.thrift (new optional fields)
/// read the same. Every read is bounds-checked and throws `ThriftError` with the offset.
struct ThriftCompactReader {
    enum FieldType: UInt8 {
        case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7
        case binary = 8, list = 9, set = 10, map = 11, structure = 12
    }

    struct ThriftError: Error, CustomStringConvertible {
        let description: String
    }

    let bytes: UnsafeRawBufferPointer
    /// Offset of the next unread byte in `bytes`.
    var position = 0
    /// The last field id of each open struct (field ids are deltas from it).
    var lastFieldIDs: [Int16] = []
    var lastFieldID: Int16 = 0
    /// A boolean field carries its value in the field header's type nibble.
    var pendingBool: Bool? = nil
    /// Guards against corrupt input that nests structs or lists without end.
    var depth = 0

    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    func fail(_ what: String) -> ThriftError {
        ThriftError(description: "\(what) at byte \(position) of the Thrift structure")
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("unexpected end of data") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw fail("varint longer than 10 bytes") }
        }
    }

    mutating func zigzag() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func i64() throws -> Int64 { try zigzag() }

    mutating func i32() throws -> Int32 {
        let v = try zigzag()
        guard let r = Int32(exactly: v) else { throw fail("i32 value \(v) out of range") }
        return r
    }

    mutating func bool() throws -> Bool {
        if let value = pendingBool { pendingBool = nil; return value }
        // Inside lists a boolean is one byte (1 true; 0 or 2 false).
        return try byte() == 1
    }

    /// A binary or string: the byte range inside `bytes` (no copy).
    mutating func binaryRange() throws -> Range<Int> {
        let n = try varint()
        guard n <= UInt64(bytes.count - position) else { throw fail("binary of \(n) bytes runs past the end of the data") }
        let start = position
        position += Int(n)
        return start..<position
    }

    mutating func string() throws -> String {
        let range = try binaryRange()
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    mutating func beginStruct() throws {
        depth += 1
        if depth > 64 { throw fail("structures nested more than 64 deep (corrupt data?)") }
        lastFieldIDs.append(lastFieldID)
        lastFieldID = 0
    }

    mutating func endStruct() {
        depth -= 1
        lastFieldID = lastFieldIDs.removeLast()
    }

    /// The next field's (id, type), or nil at the struct's end (its stop byte is consumed).
    mutating func fieldHeader() throws -> (id: Int16, type: FieldType)? {
        let b = try byte()
        guard let type = FieldType(rawValue: b & 0x0F) else { throw fail("unknown compact-protocol type \(b & 0x0F)") }
        if type == .stop { return nil }
        let delta = Int16(b >> 4)
        if delta != 0 {
            lastFieldID &+= delta
        } else {
            let id = try zigzag()
            guard let id16 = Int16(exactly: id) else { throw fail("field id \(id) out of range") }
            lastFieldID = id16
        }
        if type == .boolTrue { pendingBool = true }
        if type == .boolFalse { pendingBool = false }
        return (lastFieldID, type)
    }

    /// A list (or set) header: its element count and element type.
    mutating func listHeader() throws -> (count: Int, type: FieldType) {
        let b = try byte()
        var count = Int(b >> 4)
        if count == 15 {
            let n = try varint()
            guard n <= UInt64(bytes.count) else { throw fail("list of \(n) elements is longer than the data") }
            count = Int(n)
        }
        guard let type = FieldType(rawValue: b & 0x0F) else { throw fail("unknown list element type \(b & 0x0F)") }
        return (count, type)
    }

    /// Skips a value of `type` (a whole struct, list or map included).
    mutating func skip(_ type: FieldType) throws {
        switch type {
        case .stop: throw fail("stop byte where a value was expected")
        case .boolTrue, .boolFalse:
            if pendingBool != nil { pendingBool = nil } else { _ = try byte() }
        case .byte: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double:
            guard bytes.count - position >= 8 else { throw fail("unexpected end of data in a double") }
            position += 8
        case .binary: _ = try binaryRange()
        case .list, .set:
            let (count, elementType) = try listHeader()
            depth += 1
            defer { depth -= 1 }
            if depth > 64 { throw fail("lists nested more than 64 deep (corrupt data?)") }
            for _ in 0..<count { try skip(elementType == .boolTrue || elementType == .boolFalse ? .byte : elementType) }
        case .map:
            let count = try varint()
            guard count <= UInt64(bytes.count) else { throw fail("map of \(count) entries is longer than the data") }
            if count == 0 { return }
            let kinds = try byte()
            guard let key = FieldType(rawValue: kinds >> 4), let value = FieldType(rawValue: kinds & 0x0F) else {
                throw fail("unknown map types \(kinds)")
            }
            for _ in 0..<count {
                try skip(key == .boolTrue || key == .boolFalse ? .byte : key)
                try skip(value == .boolTrue || value == .boolFalse ? .byte : value)
            }
        case .structure:
            try beginStruct()
            while let (_, fieldType) = try fieldHeader() { try skip(fieldType) }
            endStruct()
        }
    }

    /// Reads a struct, calling `field(id, type)` for each field; `field` reads the value it
    /// wants and returns true, or returns false to have it skipped.
    mutating func readStruct(_ field: (inout ThriftCompactReader, Int16, FieldType) throws -> Bool) throws {
        try beginStruct()
        while let (id, type) = try fieldHeader() {
            if !(try field(&self, id, type)) { try skip(type) }
        }
        endStruct()
    }

    /// Reads a list, calling `element` once per element.
    mutating func readList(_ element: (inout ThriftCompactReader) throws -> Void) throws {
        let (count, _) = try listHeader()
        for _ in 0..<count { try element(&self) }
    }
}
