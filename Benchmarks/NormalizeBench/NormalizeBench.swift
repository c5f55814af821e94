import Corpus
import Foundation
import Normalizer

/// Throughput of the Normalizer module on the shared corpora, English and multilingual text
/// separately. Prints one `RESULT <system> <step> <set> <MB/s>` line per measurement (MB = 10^6
/// bytes of UTF-8 input), best of `--repeat` runs, for scripts/bench-normalize.sh to compare
/// with the Python peers.
///
/// Usage: NormalizeBench [--corpora DIR] [--repeat N]
@main
struct NormalizeBench {
    static func main() throws {
        var corpora = FileManager.default.currentDirectoryPath + "/../shared/corpora"
        var repeats = 5
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--corpora": corpora = arguments.next() ?? corpora
            case "--repeat": repeats = Int(arguments.next() ?? "") ?? repeats
            default:
                FileHandle.standardError.write(Data("usage: NormalizeBench [--corpora DIR] [--repeat N]\n".utf8))
                exit(2)
            }
        }
        let sets = [("english", try load(corpora, ["books", "articles"])),
                    ("multilingual", try load(corpora, ["multilingual/ar", "multilingual/de", "multilingual/el",
                                                        "multilingual/fa", "multilingual/hi", "multilingual/ja",
                                                        "multilingual/ru", "multilingual/vi", "multilingual/zh"]))]
        for (name, documents) in sets {
            let bytes = documents.reduce(0) { $0 + $1.count }
            print("# \(name): \(documents.count) files, \(bytes) bytes, \(asciiShare(documents))% ASCII bytes")
        }
        for (name, documents) in sets {
            for form in [NormalizationForm.nfc, .nfkc, .nfkcCasefold] {
                let normalizer = UnicodeNormalizer(form: form)
                let rate = measure(documents, repeats: repeats) { document in normalizer.normalize(document).count }
                report("tokenmill", form.rawValue, name, rate)
            }
            // The whole cleanup pipeline as the CLI runs it, streaming in 1 MiB chunks.
            let pipeline = NormalizerPipeline(form: .nfkc, utf8Policy: .repair, stripControls: true,
                                              stripIgnorables: true, trimWhitespace: true)
            let rate = measure(documents, repeats: repeats) { document in
                var stream = pipeline.makeStream()
                var output: [UInt8] = []
                var total = 0
                document.withUnsafeBufferPointer { all in
                    var start = 0
                    while start < all.count {
                        let end = min(start + (1 << 20), all.count)
                        output.removeAll(keepingCapacity: true)
                        try! stream.feed(UnsafeBufferPointer(rebasing: all[start..<end]), into: &output)
                        total += output.count
                        start = end
                    }
                }
                output.removeAll(keepingCapacity: true)
                try! stream.finish(into: &output)
                return total + output.count
            }
            report("tokenmill", "pipeline-nfkc", name, rate)
        }
    }

    /// Every file under the folders (`.zst` decompressed), sorted by path.
    static func load(_ root: String, _ folders: [String]) throws -> [[UInt8]] {
        var paths: [String] = []
        for folder in folders {
            let base = root + "/" + folder
            guard let walker = FileManager.default.enumerator(atPath: base) else {
                throw InputError(.invalidRequest, path: base, "no corpus folder at \(base): pass --corpora DIR (the shared/corpora folder)")
            }
            for case let relative as String in walker {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: base + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                    paths.append(base + "/" + relative)
                }
            }
        }
        return try paths.sorted().map { try InputFile.read($0) }
    }

    /// Best MB/s over `repeats` passes over all documents (after one warm-up pass, which also
    /// builds the lookup tables).
    static func measure(_ documents: [[UInt8]], repeats: Int, _ body: ([UInt8]) -> Int) -> Double {
        let bytes = Double(documents.reduce(0) { $0 + $1.count })
        var sink = 0
        for document in documents { sink &+= body(document) }
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            for document in documents { sink &+= body(document) }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        if sink == 42 { print("") }  // keeps the work from being optimized away
        return bytes / best / 1e6
    }

    static func report(_ system: String, _ step: String, _ set: String, _ rate: Double) {
        print("RESULT \(system) \(step) \(set) \(String(format: "%.1f", rate))")
        fflush(nil)  // all streams: results appear as they come when piped
    }

    static func asciiShare(_ documents: [[UInt8]]) -> Int {
        var ascii = 0, total = 0
        for document in documents {
            total += document.count
            for b in document where b < 0x80 { ascii += 1 }
        }
        return total == 0 ? 0 : ascii * 100 / total
    }
}
