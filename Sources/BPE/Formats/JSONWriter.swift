import TokenmillSupport

/// A minimal JSON writer with ordered objects, for files that must come out byte-identical run
/// after run (Foundation's `.sortedKeys` is not a stable order for all strings on Linux, and
/// dictionary order changes per process). Strings are escaped by `JSONOutput.appendString` (serde_json's rule:
/// `"`, `\`, control characters; everything else as UTF-8).
indirect enum JSONValue {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    func serialized(indent: Int = 2) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        write(to: &out, level: 0, indent: indent)
        out.append(0x0A)
        return out
    }

    private func write(to out: inout [UInt8], level: Int, indent: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .string(let s): JSONOutput.appendString(s.utf8, to: &out)
        case .array(let items):
            // Short arrays of scalars (a merge pair) stay on one line.
            let inline = items.count <= 2 && items.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            out.append(0x5B)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x2C) }
                if inline { if i > 0 { out.append(0x20) } } else { newline(&out, level + 1, indent) }
                item.write(to: &out, level: level + 1, indent: indent)
            }
            if !inline && !items.isEmpty { newline(&out, level, indent) }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(0x2C) }
                newline(&out, level + 1, indent)
                JSONOutput.appendString(key.utf8, to: &out)
                out.append(contentsOf: [0x3A, 0x20])
                value.write(to: &out, level: level + 1, indent: indent)
            }
            if !members.isEmpty { newline(&out, level, indent) }
            out.append(0x7D)
        }
    }

    private func newline(_ out: inout [UInt8], _ level: Int, _ indent: Int) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: level * indent))
    }
}
