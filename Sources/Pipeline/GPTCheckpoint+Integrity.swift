import Foundation
import GPTModule
import Shards
import Synchronization

/// Checksums of a checkpoint directory and what loading checks (issue 16, item 8).
///
/// `save` writes `SHA256SUMS` last, in `sha256sum`'s format (`HEX  FILE`, so that
/// `sha256sum -c SHA256SUMS` checks a copy by hand), over every file of the checkpoint: the
/// weights, config.json, trainer.json, optimizer.safetensors, loader.json, the tokenizer files.
/// Every load (`--resume`, `--init-from`, `generate`) first checks each listed file's SHA-256,
/// so a flipped bit or an edited step is refused naming the file. A checkpoint written before
/// the sums existed has no `SHA256SUMS` and is loaded as before.
extension GPTCheckpoint {
    public static let checksumFile = "SHA256SUMS"

    /// Directories whose sums this process checked (hashing a large optimizer state twice for one
    /// resume would cost seconds); `save` forgets the directory it replaces.
    static let checked = Mutex<Set<String>>([])

    /// Writes `SHA256SUMS` over every regular file in `directory` (called by `save` last).
    static func writeChecksums(in directory: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0 != checksumFile }.sorted()
        var lines = ""
        for name in names {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            lines += "\(try ShardJob.hashFile(directory + "/" + name).1)  \(name)\n"
        }
        try DurableFiles.write(Array(lines.utf8), to: directory + "/" + checksumFile)
    }

    /// Checks every file `SHA256SUMS` lists (present, same SHA-256). Throws naming the file.
    public static func verify(_ directory: String) throws {
        if checked.withLock({ $0.contains(directory) }) { return }
        let sumsPath = directory + "/" + checksumFile
        guard let sums = FileManager.default.contents(atPath: sumsPath) else { return }  // written before checksums existed
        let lines = String(decoding: sums, as: UTF8.self).split(separator: "\n")
        guard !lines.isEmpty else { throw PipelineError.checksumListEmpty(path: sumsPath) }
        for (number, line) in lines.enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 64, parts[1].hasPrefix(" "), !parts[1].dropFirst().contains("/") else {
                throw PipelineError.checksumLineMalformed(path: sumsPath, line: number + 1, found: String(line.prefix(80)))
            }
            let name = String(parts[1].dropFirst()), path = directory + "/" + name
            guard FileManager.default.fileExists(atPath: path) else {
                throw PipelineError.checksummedFileMissing(path: path)
            }
            let found = try ShardJob.hashFile(path).1
            guard found == parts[0] else {
                throw PipelineError.checksumMismatch(path: path, found: found, expected: String(parts[0]))
            }
        }
        checked.withLock { _ = $0.insert(directory) }
    }

    /// The checkpoint `--resume` continues from the run folder `run`: its `latest`, after
    /// checking it. When that one is damaged the error says so and names the newest intact
    /// checkpoint of the run; with `takeIntact` the run continues from that one instead (saying so).
    public static func resolveForResume(_ run: String, takeIntact: Bool, log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws -> String {
        let latest = try resolve(run)
        let damage: Error
        do { try verify(latest); _ = try loadInfo(from: latest); return latest } catch { damage = error }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: run)) ?? [])
            .filter { $0.hasPrefix("step-") && !$0.contains(".tmp") && run + "/" + $0 != latest }.sorted(by: >)
        var intact: String?
        for name in names {
            let dir = run + "/" + name
            guard FileManager.default.fileExists(atPath: dir + "/" + modelFile), (try? verify(dir)) != nil, (try? loadInfo(from: dir)) != nil else { continue }
            intact = dir
            break
        }
        guard let intact else {
            throw PipelineError.latestCheckpointDamaged(run: run, damage: "\(damage)", intact: nil)
        }
        guard takeIntact else {
            throw PipelineError.latestCheckpointDamaged(run: run, damage: "\(damage)", intact: intact)
        }
        log("warning: the latest checkpoint is damaged: \(damage); resuming from the newest intact checkpoint, \(intact)")
        return intact
    }

    /// Throws naming the tensor and position when `values` holds a NaN or an infinity.
    static func requireFinite(_ values: UnsafeBufferPointer<Float>, _ file: String, _ tensor: String) throws {
        for (i, v) in values.enumerated() {
            if let value = PipelineError.NonFinite(v) { throw PipelineError.nonFiniteCheckpointValue(path: file, tensor: tensor, element: i, value: value) }
        }
    }

    /// Decodes a JSON file of a checkpoint, naming it on failure instead of printing the
    /// decoder's raw error.
    static func decodeJSON<T>(_ path: String, _ decode: (Data) throws -> T) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else { throw PipelineError.checkpointFileUnreadable(path: path) }
        do { return try decode(data) } catch let error as GPTError {
            throw PipelineError.invalidCheckpointFile(path: path, error: error)
        } catch {
            throw PipelineError.invalidCheckpointJSON(path: path, reason: describe(error))
        }
    }

    /// A readable one-line account of a decoding error.
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return c.underlyingError.map { "\(($0 as NSError).userInfo[NSDebugDescriptionErrorKey] ?? $0.localizedDescription)" } ?? c.debugDescription
        case DecodingError.keyNotFound(let key, let c): return "missing field \(key.stringValue)\(c.codingPath.isEmpty ? "" : " in " + c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "field \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        default:
            let ns = error as NSError
            return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
        }
    }
}
