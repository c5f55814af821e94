import Corpus
import Crypto
import Foundation

/// Standard input (`-`) as an input of `tokenmill shard`: a `ByteStream` over file descriptor 0
/// that counts and hashes (SHA-256) every byte it passes on, so that the journal can record how
/// far the stream got when each shard was finished, and a re-run after a kill can check that the
/// same bytes come again before it trusts the finished shards.
///
/// Resume: the interrupted run's last record is (bytes, sha256) of the prefix it had read. The
/// re-run hashes exactly that many bytes of the new stream (a chunk that straddles the point is
/// split there) and compares; a different hash, or a stream that ends sooner, is a `ShardError`
/// that refuses to go on and says why. Until the check has passed, shards the re-run finishes
/// are not journaled (`ShardJob` holds their entries back), so a refusal never leaves a
/// different stream's shards recorded as done.
final class StandardInput {
    /// The prefix an interrupted run had read, to be matched; nil on a fresh run.
    let expected: (bytes: Int, sha256: String)?
    private(set) var consumed = 0
    private var hasher = SHA256()
    private(set) var verified: Bool

    init(expected: (bytes: Int, sha256: String)?) {
        self.expected = expected
        verified = expected == nil
    }

    /// SHA-256 (hex) of the bytes read so far.
    var sha256: String { hasher.finalize().map { hex($0) }.joined() }

    func hex(_ b: UInt8) -> String { String(b, radix: 16).count == 1 ? "0" + String(b, radix: 16) : String(b, radix: 16) }

    func absorb(_ chunk: [UInt8]) throws {
        var rest = chunk[...]
        if let expected, !verified, consumed + rest.count >= expected.bytes {
            let head = expected.bytes - consumed
            hasher.update(data: rest.prefix(head))
            consumed += head
            rest = rest.dropFirst(head)
            let found = sha256
            guard found == expected.sha256 else {
                throw ShardError("standard input differs from the interrupted run's: its first \(expected.bytes) bytes have SHA-256 \(found), the journal recorded \(expected.sha256) for the bytes that went into the finished shards; pipe in exactly the same data to resume, or choose a new output directory")
            }
            verified = true
        }
        hasher.update(data: rest)
        consumed += rest.count
    }

    /// Called at the end of the stream.
    func finish() throws {
        if let expected, !verified {
            throw ShardError("standard input ended after \(consumed) bytes, but the interrupted run had already read \(expected.bytes) bytes into its finished shards: it is not the same data; pipe in exactly the same data to resume, or choose a new output directory")
        }
    }

    /// The stream to read: file descriptor 0, counted and hashed here.
    func stream() throws -> any ByteStream { Stream(file: try FileStream(path: "-"), input: self) }

    struct Stream: ByteStream {
        var file: FileStream
        let input: StandardInput
        mutating func next() throws -> [UInt8]? {
            guard let chunk = try file.next() else { try input.finish(); return nil }
            try input.absorb(chunk)
            return chunk
        }
    }
}
