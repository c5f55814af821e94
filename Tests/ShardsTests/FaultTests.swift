import Corpus
import Foundation
import Shards
import TestSupport
import Testing

/// Issue 16, items 5–14 and issue 14 §4: files the tools used to trust without checking, resume
/// that trusted stale state, outputs that damaged what was there. Every input is real text from
/// Fixtures/ (or a shard set, checkpoint or tokenizer made from it by the CLI); every damage is
/// made here, as a user or a failing disk would. Each test asserts the exit status, that the
/// message names the file and the field or position, and that nothing else was changed.
@Suite(.serialized) struct FaultTests {
    static let sources = ["appetite.rst.txt", "interpreter.rst.txt", "whatnow.rst.txt", "venv.rst.txt"]
        .map { CLI.fixtures + "/corpus/articles/python-tutorial/" + $0 }

    /// A folder of copies of the sources (so a test may change them), under a new directory.
    static func inputs(_ name: String) throws -> (base: String, folder: String) {
        let base = try CLI.temporaryDirectory(name)
        let folder = base + "/inputs"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for source in sources { try FileManager.default.copyItem(atPath: source, toPath: folder + "/" + (source as NSString).lastPathComponent) }
        return (base, folder)
    }

    /// Small shards and blocks, so that a set has several shards, each several blocks.
    static let shardArguments = ["--split", "blank-lines", "--shard-tokens", "1200", "--block-tokens", "512"]

    static func shard(_ folder: String, _ out: String, _ extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["shard", folder, "-o", out] + shardArguments + extra)
    }

    /// Every file under `root` with its bytes (what "nothing else changed" compares).
    static func snapshot(_ root: String) -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return files }
        while let relative = walker.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: root + "/" + relative) { files[relative] = data }
        }
        return files
    }

    static func editManifest(_ directory: String, _ change: (inout [String: Any]) -> Void) throws {
        let path = directory + "/manifest.json"
        var object = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        change(&object)
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    static func patch(_ path: String, at offset: Int, _ bytes: [UInt8]) throws {
        var data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let at = offset >= 0 ? offset : data.count + offset
        data.replaceSubrange(at..<(at + bytes.count), with: bytes)
        try Data(data).write(to: URL(fileURLWithPath: path))
    }

    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    // MARK: 16.5 + 14.4: verify checks shards and tokenizer copy against the manifest

    @Test func verifyRefusesAShardFromAnotherRunWithTheSameCounts() throws {
        let (base, folder) = try Self.inputs("fault-foreign-shard")
        #expect(try Self.shard(folder, base + "/a").status == 0)
        #expect(try Self.shard(folder, base + "/b", ["--level", "1"]).status == 0)
        // Same tokenizer, same tokens and documents: only the compressed bytes differ.
        let a = try Manifest.load(directory: base + "/a"), b = try Manifest.load(directory: base + "/b")
        #expect(a.shards.map(\.tokens) == b.shards.map(\.tokens) && a.shards.count >= 3)
        #expect(a.shards[1].sha256 != b.shards[1].sha256)
        try FileManager.default.removeItem(atPath: base + "/a/train-000001.tms")
        try FileManager.default.copyItem(atPath: base + "/b/train-000001.tms", toPath: base + "/a/train-000001.tms")
        let before = Self.snapshot(base)
        let verify = try CLI.run(["verify", base + "/a"])
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("train-000001.tms") && verify.stderr.contains("SHA-256"), "\(verify.stderr)")
        if a.shards[1].bytes != b.shards[1].bytes {
            let cat = try CLI.run(["cat", base + "/a", "--ids"])
            #expect(cat.status == 1 && cat.stderr.contains("train-000001.tms") && cat.stderr.contains("bytes"), "\(cat.stderr)")
        }
        #expect(Self.snapshot(base) == before)
        #expect(try CLI.run(["verify", base + "/b"]).status == 0)
    }

    @Test func aChangedReplacedOrMissingTokenizerCopyIsRefusedByVerifyAndEveryReader() throws {
        let (base, folder) = try Self.inputs("fault-tokenizer-copy")
        #expect(try Self.shard(folder, base + "/set").status == 0)
        let copy = base + "/set/tokenizer.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: copy))
        // 1. One token's bytes changed ("Ġthe" → "Ġtha"): the ids would decode to other text.
        var flipped = [UInt8](original)
        let needle = Array("\"the\":".utf8)
        let at = (0...(flipped.count - needle.count)).first { Array(flipped[$0..<($0 + needle.count)]) == needle }!
        flipped[at + 3] = UInt8(ascii: "a")
        // 2. Replaced by an equivalent file with other bytes (re-serialized); 3. deleted.
        let replaced = try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: original), options: [.sortedKeys])
        for (damage, bytes) in [("flipped", Data(flipped)), ("replaced", replaced), ("deleted", nil)] as [(String, Data?)] {
            if let bytes { try bytes.write(to: URL(fileURLWithPath: copy)) } else { try FileManager.default.removeItem(atPath: copy) }
            let before = Self.snapshot(base)
            for arguments in [["verify", base + "/set"], ["cat", base + "/set", "--ids"],
                              ["loader-bench", base + "/set", "--batch", "2", "--context", "64", "--batches", "2"],
                              ["pretrain", "--data", base + "/set", "--preset", "tiny", "--steps", "1", "--batch", "2", "--context", "32",
                               "--threads", "1", "--sgemm-gflops", "50", "--out", base + "/run-\(damage)"]] {
                let r = try CLI.run(arguments)
                #expect(r.status == 1, "\(damage) \(arguments[0]): \(r.stderr)")
                #expect(r.stderr.contains(copy), "\(damage) \(arguments[0]) does not name \(copy): \(r.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: base + "/run-\(damage)/latest"))
            try? FileManager.default.removeItem(atPath: base + "/run-\(damage)")
            #expect(Self.snapshot(base) == before)
        }
        try original.write(to: URL(fileURLWithPath: copy))
        #expect(try CLI.run(["verify", base + "/set"]).status == 0)
    }

    @Test func aManifestEntryRemovedOrDuplicatedFailsVerify() throws {
        let (base, folder) = try Self.inputs("fault-manifest-list")
        #expect(try Self.shard(folder, base + "/set").status == 0)
        let manifest = try Data(contentsOf: URL(fileURLWithPath: base + "/set/manifest.json"))
        try Self.editManifest(base + "/set") { m in var s = m["shards"] as! [Any]; s.remove(at: 1); m["shards"] = s }
        let removed = try CLI.run(["verify", base + "/set"])
        #expect(removed.status == 1)
        #expect(removed.stderr.contains("train-000001.tms is in the directory but not in manifest.json"), "\(removed.stderr)")
        #expect(removed.stderr.contains("field tokens"), "\(removed.stderr)")
        try manifest.write(to: URL(fileURLWithPath: base + "/set/manifest.json"))
        try Self.editManifest(base + "/set") { m in var s = m["shards"] as! [Any]; s.append(s[0]); m["shards"] = s }
        let doubled = try CLI.run(["verify", base + "/set"])
        #expect(doubled.status == 1)
        #expect(doubled.stderr.contains("lists train-000000.tms more than once"), "\(doubled.stderr)")
        // Totals edited to match the doubled list: the listing check alone still catches it.
        try manifest.write(to: URL(fileURLWithPath: base + "/set/manifest.json"))
        #expect(try CLI.run(["verify", base + "/set"]).status == 0)
    }

    @Test func inspectReportsTextBytesPerTokenNotCompressedInputBytes() throws {
        let (base, folder) = try Self.inputs("fault-inspect")
        for source in try FileManager.default.contentsOfDirectory(atPath: folder) { try BadInputCLI.compress(folder + "/" + source) }
        #expect(try Self.shard(folder, base + "/set").status == 0)
        let r = try CLI.run(["inspect", base + "/set", "--json", "--top", "0"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
        let tokens = o["tokens"] as! Int, textBytes = o["text_bytes"] as! Int, bytesIn = o["bytes_in"] as! Int
        // English prose with GPT-2: about 4 bytes of text per token; gzip makes the inputs smaller than the text.
        let perToken = Double(textBytes) / Double(tokens)
        #expect(perToken > 3 && perToken < 6, "\(perToken)")
        #expect(bytesIn < textBytes)
        #expect((o["text_bytes_per_token"] as! Double) == perToken)
        #expect(o["bytes_in_per_token"] == nil)
        let text = try CLI.run(["inspect", base + "/set", "--top", "0"]).text
        #expect(text.contains("text bytes       \(textBytes) (\(String(format: "%.2f", perToken)) per token"), "\(text)")
    }

    // MARK: 16.6: every header/footer/index byte is checked; no reader crashes

    /// A one-input shard set with small blocks, made in process.
    static func smallShard(_ name: String) throws -> (directory: String, shard: String) {
        let dir = try CLI.temporaryDirectory(name)
        var options = ShardOptions(inputs: [sources[0]])
        options.reader.split = .blankLines
        options.blockTokens = 256
        let manifest = try ShardJob(options: options, directory: dir, threads: 1).run()
        #expect(manifest.shards.count == 1)
        return (dir, dir + "/" + manifest.shards[0].file)
    }

    static func readAll(_ path: String) throws -> [[UInt32]] {
        let reader = try ShardReader(path: path)
        return try (0..<reader.documentCount).map { try reader.document($0) }
    }

    @Test func everyByteOfHeaderIndexAndFooterIsCheckedNamingShardAndField() throws {
        let (dir, shard) = try Self.smallShard("fault-every-byte")
        let reference = try Self.readAll(shard)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: shard)))
        let reader = try ShardReader(path: shard)
        #expect(reader.blocks.count >= 4 && reader.documentCount >= 10)
        let indexStart = Int(reader.footer.indexOffset)
        let damaged = dir + "/train-000000.tms"
        var checked = 0
        for offset in Array(0..<ShardFormat.headerSize) + Array(indexStart..<bytes.count) {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var copy = bytes
                copy[offset] ^= mask
                try Data(copy).write(to: URL(fileURLWithPath: damaged))
                do {
                    let documents = try Self.readAll(damaged)
                    Issue.record("byte \(offset) ^ \(mask) was not detected (documents equal: \(documents == reference))")
                } catch let error as ShardError {
                    #expect(error.description.hasPrefix("train-000000.tms: "), "\(error)")
                    let region = offset < ShardFormat.headerSize ? ["header", "magic"] : offset >= bytes.count - ShardFormat.footerSize ? ["footer"] : ["index", "block table", "document index"]
                    #expect(region.contains { error.description.contains($0) }, "byte \(offset): \(error)")
                }
                checked += 1
            }
        }
        #expect(checked == 3 * (ShardFormat.headerSize + bytes.count - indexStart))
    }

    @Test func versionOneShardsAreStillReadAndTheirFooterIsCheckedForConsistency() throws {
        let (dir, shard) = try Self.smallShard("fault-v1")
        let reference = try Self.readAll(shard)
        // A version 1 shard is this one with version 1 in the header (header CRC updated) and 0
        // in the footer's CRC field: the only difference between the two versions.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: shard)))
        bytes.replaceSubrange(8..<12, with: Self.le32(1))
        let footer = bytes.count - ShardFormat.footerSize
        bytes.replaceSubrange((footer + 40)..<(footer + 44), with: Self.le32(CRC32.of(Array(bytes[0..<64]))))
        bytes.replaceSubrange((footer + 44)..<(footer + 48), with: Self.le32(0))
        let v1 = dir + "/v1.tms"
        try Data(bytes).write(to: URL(fileURLWithPath: v1))
        #expect(try ShardReader(path: v1).header.version == 1)
        #expect(try Self.readAll(v1) == reference)
        for offset in footer..<bytes.count {
            var copy = bytes
            copy[offset] ^= 0x01
            try Data(copy).write(to: URL(fileURLWithPath: v1))
            #expect(throws: ShardError.self, "footer byte \(offset - footer)") { try Self.readAll(v1) }
        }
    }

    @Test func aChangedBlockTokensFieldIsAnErrorInEveryReaderNeverACrashOrWrongIds() throws {
        let (base, folder) = try Self.inputs("fault-block-tokens")
        #expect(try Self.shard(folder, base + "/set").status == 0)
        let shard = base + "/set/train-000000.tms"
        let original = try Data(contentsOf: URL(fileURLWithPath: shard))
        for value: UInt32 in [0, 1, 511, 513, 1024, 65536, 0xFFFF_FFFF] {
            try original.write(to: URL(fileURLWithPath: shard))
            try Self.patch(shard, at: -ShardFormat.footerSize + 32, Self.le32(value))
            for arguments in [["cat", base + "/set", "--ids"], ["cat", base + "/set", "--range", "0..2000"],
                              ["loader-bench", base + "/set", "--batch", "2", "--context", "64", "--batches", "4"], ["verify", base + "/set"]] {
                let r = try CLI.run(arguments)
                #expect(r.status == 1, "block_tokens \(value), \(arguments[0]): status \(r.status) \(r.stderr)")
                #expect(r.stderr.contains("train-000000.tms") && r.stderr.contains("footer"), "\(r.stderr)")
                #expect(r.stdout.isEmpty || arguments[0] == "verify", "block_tokens \(value), \(arguments[0]) printed ids")
            }
        }
    }

    // MARK: 16.7: manifest paths stay inside the shard directory

    @Test func manifestFileEntriesLeavingTheDirectoryAreRefused() throws {
        let (base, folder) = try Self.inputs("fault-escape")
        #expect(try Self.shard(folder, base + "/set").status == 0)
        #expect(try Self.shard(folder, base + "/other").status == 0)
        for file in ["../other/train-000000.tms", "/etc/passwd", "a//b.tms"] {
            try Self.editManifest(base + "/set") { m in
                var s = m["shards"] as! [[String: Any]]; s[0]["file"] = file; m["shards"] = s
            }
            for command in ["verify", "cat", "inspect", "loader-bench"] {
                let r = try CLI.run([command, base + "/set"] + (command == "loader-bench" ? ["--batches", "1", "--context", "64"] : []))
                #expect(r.status == 1, "\(command) \(file): \(r.stderr)")
                #expect(r.stderr.contains("manifest.json: shards[0].file = \"\(file)\" leaves the shard directory"), "\(r.stderr)")
            }
        }
    }

    // MARK: 16.9, 16.10: resume checks what the journal lists

    /// Runs `shard`, then turns the finished set back into what a kill -9 after the `keep`-th
    /// journal line leaves: the journal cut there, no manifest, no tokenizer copy.
    static func interrupted(_ folder: String, _ out: String, keepLines keep: (([String]) -> Int)) throws -> Manifest {
        #expect(try shard(folder, out).status == 0)
        let finished = try Manifest.load(directory: out)
        let lines = try String(contentsOfFile: out + "/journal.jsonl", encoding: .utf8).split(separator: "\n").map(String.init)
        let n = keep(lines)
        try (lines.prefix(n).joined(separator: "\n") + "\n").write(toFile: out + "/journal.jsonl", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: out + "/manifest.json")
        try FileManager.default.removeItem(atPath: out + "/tokenizer.json")
        return finished
    }

    @Test func resumeRewritesAJournalledShardThatWasDeletedOrDamaged() throws {
        for damage in ["deleted", "flipped"] {
            let (base, folder) = try Self.inputs("fault-resume-\(damage)")
            let out = base + "/set"
            let finished = try Self.interrupted(folder, out) { lines in
                lines.lastIndex { $0.contains("\"kind\":\"shard\"") }!   // the last shard's line lost
            }
            #expect(finished.shards.count >= 4)
            let victim = out + "/train-000001.tms"
            if damage == "deleted" { try FileManager.default.removeItem(atPath: victim) } else { try Self.patch(victim, at: 100, [0x55]) }
            let r = try Self.shard(folder, out)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains(victim) && r.stderr.contains("rewriting it"), "\(r.stderr)")
            let resumed = try Manifest.load(directory: out)
            #expect(resumed.shards == finished.shards)
            let verify = try CLI.run(["verify", out])
            #expect(verify.status == 0, "\(verify.stderr)")
            // A third run finds the finished set and leaves it as it is.
            let before = Self.snapshot(base)
            #expect(try Self.shard(folder, out).status == 0)
            #expect(Self.snapshot(base) == before)
        }
    }

    @Test func resumeRefusesAnInputThatChangedSinceTheKill() throws {
        let (base, folder) = try Self.inputs("fault-resume-input")
        let out = base + "/set"
        _ = try Self.interrupted(folder, out) { lines in
            (lines.firstIndex { $0.contains("\"kind\":\"input\"") } ?? lines.count) + 1   // killed after the first input
        }
        let changed = folder + "/" + (Self.sources[0] as NSString).lastPathComponent
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: changed))
        handle.seekToEndOfFile()
        handle.write(Data("\n\nA paragraph added after the run was killed.\n".utf8))
        try handle.close()
        let before = Self.snapshot(base)
        let r = try Self.shard(folder, out)
        #expect(r.status == 1)
        #expect(r.stderr.contains(changed + " changed since the interrupted run"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/manifest.json"))
        #expect(Self.snapshot(base) == before)
    }

    // MARK: 16.11–16.14: outputs never damage what was there

    @Test func encodeAndDecodeLeaveNoTemporaryFileOnFailure() throws {
        let base = try CLI.temporaryDirectory("fault-tmp")
        // decode fails on line 3 after writing lines 1–2.
        try "464 2068\n1212 318\n464 oops 318\n".write(toFile: base + "/ids.txt", atomically: true, encoding: .utf8)
        let decode = try CLI.run(["decode", base + "/ids.txt", "-o", base + "/out.txt"])
        #expect(decode.status != 0 && decode.stderr.contains("line 3"), "\(decode.stderr)")
        // -o naming a directory: refused before anything is written.
        try FileManager.default.createDirectory(atPath: base + "/dir", withIntermediateDirectories: true)
        let encode = try CLI.run(["encode", Self.sources[0], "-o", base + "/dir"])
        #expect(encode.status != 0 && encode.stderr.contains("is a directory"), "\(encode.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: base).sorted() == ["dir", "ids.txt"])
    }

    @Test func outputIntoAFIFOSymlinkOrDeviceWritesThroughAndNeverReplacesIt() throws {
        let base = try CLI.temporaryDirectory("fault-special-out")
        let expected = try CLI.run(["encode", Self.sources[0]])
        #expect(expected.status == 0 && !expected.stdout.isEmpty)
        // A symbolic link: its target gets the output, the link stays a link.
        try Data("old".utf8).write(to: URL(fileURLWithPath: base + "/target.txt"))
        try FileManager.default.createSymbolicLink(atPath: base + "/link.txt", withDestinationPath: "target.txt")
        #expect(try CLI.run(["encode", Self.sources[0], "-o", base + "/link.txt"]).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: base + "/link.txt") == "target.txt")
        #expect(FileManager.default.contents(atPath: base + "/target.txt") == expected.stdout)
        // A FIFO: streamed into, still a FIFO afterwards.
        #expect(mkfifo(base + "/pipe", 0o644) == 0)
        final class Box: @unchecked Sendable { var data = Data() }
        let received = Box()
        let reader = Thread { received.data = FileHandle(forReadingAtPath: base + "/pipe")!.readDataToEndOfFile() }
        reader.start()
        #expect(try CLI.run(["encode", Self.sources[0], "-o", base + "/pipe"]).status == 0)
        let unblock = open(base + "/pipe", O_WRONLY | O_NONBLOCK)   // should the CLI never have opened it
        if unblock >= 0 { close(unblock) }
        while !reader.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        #expect(received.data == expected.stdout)
        var st = stat()
        #expect(lstat(base + "/pipe", &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
        // A character device.
        #expect(try CLI.run(["encode", Self.sources[0], "-o", "/dev/null"]).status == 0)
        #expect(lstat("/dev/null", &st) == 0 && st.st_mode & S_IFMT == S_IFCHR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: base).sorted() == ["link.txt", "pipe", "target.txt"])
    }

    @Test func shardRefusesANonEmptyDirectoryThatIsNotAShardSetAndNeverReadsItsOwnOutput() throws {
        let (base, folder) = try Self.inputs("fault-shard-out")
        let mine = base + "/mine"
        try FileManager.default.createDirectory(atPath: mine, withIntermediateDirectories: true)
        try Data("my notes".utf8).write(to: URL(fileURLWithPath: mine + "/notes.tmp"))
        try Data("my own file".utf8).write(to: URL(fileURLWithPath: mine + "/train-000000.tms"))
        let before = Self.snapshot(base)
        let refused = try Self.shard(folder, mine)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(mine) is not empty") && refused.stderr.contains("notes.tmp"), "\(refused.stderr)")
        #expect(Self.snapshot(base) == before)
        // `shard DIR -o DIR/out`, twice: the second run finds its finished set, not new inputs.
        let first = try Self.shard(folder, folder + "/out")
        #expect(first.status == 0, "\(first.stderr)")
        let manifest = try Manifest.load(directory: folder + "/out")
        #expect(manifest.inputs.allSatisfy { !$0.path.contains("/out/") })
        let again = try Self.shard(folder, folder + "/out")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Manifest.load(directory: folder + "/out").shards == manifest.shards)
    }

    @Test func anEntryOfAnInputDirectoryThatCannotBeReadIsReportedNotSkipped() throws {
        let (base, folder) = try Self.inputs("fault-unreadable-entry")
        // A self-looping symbolic link inside the input folder (as root, permissions cannot make
        // a subdirectory unreadable; a loop fails to open for everyone).
        try FileManager.default.createSymbolicLink(atPath: folder + "/loop", withDestinationPath: "loop")
        let keepGoing = try Self.shard(folder, base + "/out")
        #expect(keepGoing.status == 0)
        #expect(keepGoing.stderr.contains(folder + "/loop") && keepGoing.stderr.contains("Too many levels of symbolic links"), "\(keepGoing.stderr)")
        #expect(try Manifest.load(directory: base + "/out").dropped["unreadable_input"]?.count == 1)
        let strict = try Self.shard(folder, base + "/strict", ["--strict"])
        #expect(strict.status == 1 && strict.stderr.contains(folder + "/loop"), "\(strict.stderr)")
        // Named directly, the loop gets its real reason, not "does not exist".
        let direct = try CLI.run(["shard", folder + "/loop", "-o", base + "/direct"])
        #expect(direct.status == 1 && direct.stderr.contains("symbolic link that loops"), "\(direct.stderr)")
    }

    // MARK: 16.15 (weak): option limits

    @Test func optionsOutsideTheirLimitsAreRefusedNamingTheOption() throws {
        let (base, folder) = try Self.inputs("fault-limits")
        for (arguments, option) in [(["--level", "0"], "--level"), (["--level", "20"], "--level"), (["--min-chars", "-1"], "--min-chars"),
                                    (["--text-field", ""], "--text-field"), (["--block-tokens", "0"], "--block-tokens")] {
            let r = try CLI.run(["shard", folder, "-o", base + "/out"] + arguments)
            #expect(r.status == 64 && r.stderr.contains(option), "\(arguments): \(r.status) \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: base + "/out"))
        }
        #expect(try Self.shard(folder, base + "/set").status == 0)
        let both = try CLI.run(["cat", base + "/set", "--doc", "1", "--range", "0..5"])
        #expect(both.status == 64 && both.stderr.contains("--doc or --range"), "\(both.stderr)")
    }

    /// A special token that is ordinary text (`--special a`) would, under Hugging Face, turn every
    /// "a" of the text into it (HF matches specials before splitting), and tiktoken refuses any
    /// text containing one by default: refused before training, naming the token and a marked
    /// form. The limits of the other commands' options are checked before any work.
    @Test func specialTokensThatAreOrdinaryTextAndOtherCommandsOptionLimitsAreRefused() throws {
        let (base, folder) = try Self.inputs("fault-specials")
        for special in ["a", "the", "x1", "é"] {
            let r = try CLI.run(["train-tokenizer", folder, "--vocab-size", "300", "--special", special, "-o", base + "/t.json", "--quiet"])
            #expect(r.status == 64 && r.stderr.contains("--special \(special)") && r.stderr.contains("<|\(special)|>"), "\(special): \(r.status) \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: base + "/t.json"))
        }
        let marked = try CLI.run(["train-tokenizer", folder, "--vocab-size", "300", "--special", "<|a|>", "--special", "[PAD]", "-o", base + "/t.json", "--quiet"])
        #expect(marked.status == 0, "\(marked.stderr)")
        let sources = Self.sources[0]
        for (arguments, option) in [(["encode", sources, "--text-field", ""], "--text-field"),
                                    (["encode", sources, "--max-piece-bytes", "0"], "--max-piece-bytes"),
                                    (["train-tokenizer", sources, "--vocab-size", "300", "-o", base + "/u.json", "--text-field", ""], "--text-field"),
                                    (["train-tokenizer", sources, "--vocab-size", "300", "-o", base + "/u.json", "--max-piece-bytes", "3"], "--max-piece-bytes"),
                                    (["shard", folder, "-o", base + "/out", "--max-piece-bytes", "-1"], "--max-piece-bytes"),
                                    (["import", "--format", "nanogpt", sources, "-o", base + "/imp", "--level", "0"], "--level"),
                                    (["import", "--format", "nanogpt", sources, "-o", base + "/imp", "--level", "20"], "--level")] {
            let r = try CLI.run(arguments)
            #expect(r.status == 64 && r.stderr.contains(option), "\(arguments): \(r.status) \(r.stderr)")
        }
        for path in ["/u.json", "/out", "/imp"] { #expect(!FileManager.default.fileExists(atPath: base + path)) }
    }

    /// train-tokenizer prints only its option errors as usage errors (exit 64 and the usage
    /// text); a bad or unreadable input is a runtime error (exit 1, "Error: " and the message
    /// alone, no "Usage:" lines), as in the other commands. Before, every `TrainerError`, including a damaged
    /// counts message from another rank (`ExchangeTests`), became a usage error.
    @Test func trainTokenizerPrintsInputFailuresAsRuntimeErrorsAndOptionErrorsAsUsageErrors() throws {
        let (base, _) = try Self.inputs("fault-tt-runtime")
        try Data("{\"text\": \"fine\"}\n{\"body\": 1}\n".utf8).write(to: URL(fileURLWithPath: base + "/bad.jsonl"))
        let bad = try CLI.run(["train-tokenizer", base + "/bad.jsonl", "--input-format", "jsonl", "--vocab-size", "300", "-o", base + "/t.json", "--quiet"])
        #expect(bad.status == 1 && bad.stderr.hasPrefix("Error: \(base)/bad.jsonl:2: ") && !bad.stderr.contains("Usage:"), "\(bad.status) \(bad.stderr)")
        let missing = try CLI.run(["train-tokenizer", base + "/absent.txt", "--vocab-size", "300", "-o", base + "/t.json", "--quiet"])
        #expect(missing.status == 1 && missing.stderr.contains(base + "/absent.txt") && !missing.stderr.contains("Usage:"), "\(missing.status) \(missing.stderr)")
        let option = try CLI.run(["train-tokenizer", base + "/bad.jsonl", "--input-format", "jsonl", "--vocab-size", "100", "-o", base + "/t.json", "--quiet"])
        #expect(option.status == 64 && option.stderr.contains("--vocab-size 100 is too small") && option.stderr.contains("Usage:"), "\(option.status) \(option.stderr)")
        #expect(!FileManager.default.fileExists(atPath: base + "/t.json"))
    }
}

