/// Splits a byte stream into lines (without the line feed; a trailing CR is kept for the
/// normalizer to handle). Memory: the longest line plus one chunk. Time: O(n) — each byte is
/// searched once, however long the line (a 1 GB line without a line feed is 1 GB of scanning,
/// not one rescan of the growing line per chunk).
public struct LineReader {
    var stream: any ByteStream
    var buffer: [UInt8] = []
    var position = 0
    var scanned = 0  // buffer[position..<scanned] holds no line feed
    var done = false
    public private(set) var lineNumber = 0

    public init(_ stream: any ByteStream) { self.stream = stream }

    public mutating func next() throws -> [UInt8]? {
        while true {
            if let newline = buffer[max(position, scanned)...].firstIndex(of: 0x0A) {
                let line = Array(buffer[position..<newline])
                position = newline + 1
                scanned = position
                lineNumber += 1
                return line
            }
            scanned = buffer.count
            if done {
                if position < buffer.count {
                    let line = Array(buffer[position...])
                    position = buffer.count
                    lineNumber += 1
                    return line
                }
                return nil
            }
            if position > 0 { buffer.removeFirst(position); scanned -= position; position = 0 }
            if let chunk = try stream.next() { buffer.append(contentsOf: chunk) } else { done = true }
        }
    }
}
