import Foundation

/// Reads the text field of each record of a JSON Lines file.
public enum JSONLines {
    /// The `field` string of every non-empty line, with its 1-based line number. A line that is
    /// not a JSON object with that string field is an error naming the source and line.
    public static func texts(in bytes: [UInt8], field: String, source: String) throws -> [(line: Int, text: String)] {
        var records: [(line: Int, text: String)] = []
        var lineNumber = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(line)) } catch {
                throw InputError("\(source):\(lineNumber): expected a JSON object, found malformed JSON (\(error.localizedDescription))")
            }
            guard let record = object as? [String: Any] else {
                throw InputError("\(source):\(lineNumber): expected a JSON object, found \(type(of: object))")
            }
            guard let text = record[field] as? String else {
                throw InputError("\(source):\(lineNumber): expected a string field \"\(field)\" (choose another with --text-field); fields present: \(record.keys.sorted().joined(separator: ", "))")
            }
            records.append((lineNumber, text))
        }
        return records
    }
}
