import Foundation
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// An append-only JSON Lines journal; every append is fsynced before it returns. A last line cut
/// short by a kill is ignored (and overwritten by the next append).
final class Journal {
    let path: String
    private(set) var entries: [JournalEntry] = []
    let fd: Int32

    init(path: String) throws {
        self.path = path
        var validLength = 0
        if let data = FileManager.default.contents(atPath: path) {
            var offset = 0
            let bytes = [UInt8](data)
            while let newline = bytes[offset...].firstIndex(of: 0x0A) {
                guard let entry = try? Manifest.decoder.decode(JournalEntry.self, from: Data(bytes[offset..<newline])) else { break }
                entries.append(entry)
                offset = newline + 1
                validLength = offset
            }
        }
        fd = open(path, O_WRONLY | O_CREAT, 0o644)
        guard fd >= 0 else { throw ShardError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard ftruncate(fd, off_t(validLength)) == 0, lseek(fd, off_t(validLength), SEEK_SET) >= 0 else {
            throw ShardError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    func append(_ entry: JournalEntry) throws {
        var line = [UInt8](try JSONOutput.encode(entry, .line))
        line.append(0x0A)
        do {
            try line.withUnsafeBytes { try FileIO.writeAll(fd, $0, path: path) }
        } catch {
            throw ShardError("\(error)")  // FileIOError: "cannot write PATH: reason", as before
        }
        guard fsync(fd) == 0 else { throw ShardError("cannot fsync \(path): \(String(cString: strerror(errno)))") }
        entries.append(entry)
    }
}
