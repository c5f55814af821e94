// Encode throughput of Tokenmill's BPE, printed as JSON lines in the shape of
// ../shared/bench/peers.py's output so that scripts/bench-encode.sh can put them side by side.
//
//   TokenmillBench encode --vocab gpt2|cl100k|o200k [--threads N] [--repeat R] FILE...
//   TokenmillBench worst-case --vocab gpt2|cl100k|o200k [--size BYTES] SAMPLE-FILE
//   TokenmillBench read [--repeat R] FILE...   (text extraction only: DocumentReader over each
//                                               file, e.g. a .parquet's text column; 1 thread)
//   TokenmillBench load [--repeat R] TOKENIZER...  (Tokenizer.load of each file: a tokenizer.json,
//                                               a .tiktoken, a vocab.json folder; best of R)
import BPE
import Corpus
import Foundation

@main
struct Bench {
    static func main() throws {
        var args = Array(CommandLine.arguments.dropFirst())
        guard let mode = args.first else { usage() }
        args.removeFirst()
        var vocab = "gpt2", threads = 1, repeatCount = 3, size = 1 << 20
        var files: [String] = []
        while let arg = args.first {
            args.removeFirst()
            switch arg {
            case "--vocab": vocab = args.removeFirst()
            case "--threads": threads = Int(args.removeFirst())!
            case "--repeat": repeatCount = Int(args.removeFirst())!
            case "--size": size = Int(args.removeFirst())!
            default: files.append(arg)
            }
        }
        if mode == "load" {
            for file in files {
                var best = Double.infinity, bestCPU = Double.infinity, size = 0
                for _ in 0..<repeatCount {
                    let c0 = cpuSeconds(), t0 = Date()
                    let tokenizer = try Tokenizer.load(file)
                    best = min(best, Date().timeIntervalSince(t0))
                    bestCPU = min(bestCPU, cpuSeconds() - c0)
                    size = tokenizer.vocabularySize
                }
                emit(["lib": "tokenmill", "mode": "load", "file": file, "vocab_size": size, "wall_s": best, "cpu_s": bestCPU])
            }
            return
        }
        let file = ["gpt2": "gpt2", "cl100k": "cl100k_base", "o200k": "o200k_base"][vocab] ?? vocab
        let tokenizer = try Tokenizer.load(file)
        switch mode {
        case "encode":
            let documents = try files.map { try InputFile.read($0) }
            let bytes = documents.reduce(0) { $0 + $1.count }
            var best = Double.infinity, tokens = 0, cpu = 0.0
            for _ in 0..<repeatCount {
                let c0 = cpuSeconds(), t0 = Date()
                let ids = try tokenizer.encodeBatch(documents, specials: .ordinary, threads: threads)
                let wall = Date().timeIntervalSince(t0)
                if wall < best { best = wall; cpu = cpuSeconds() - c0 }
                tokens = ids.reduce(0) { $0 + $1.count }
            }
            emit(["lib": "tokenmill", "vocab": vocab, "threads": threads, "docs": documents.count, "bytes": bytes,
                  "tokens": tokens, "wall_s": best, "cpu_s": cpu, "mb_per_s": Double(bytes) / 1e6 / best])
        case "read":
            // CPU seconds beside wall seconds: on the shared 2-core machine the wall time of one
            // pass varied 1.5× with other processes' load, the CPU time of one thread much less.
            var best = Double.infinity, bestCPU = Double.infinity, bytes = 0, rows = 0, nulls = 0
            for _ in 0..<repeatCount {
                bytes = 0; rows = 0; nulls = 0
                let c0 = cpuSeconds(), t0 = Date()
                for file in files {
                    var reader = try DocumentReader(path: file, options: ReaderOptions())
                    while let document = try reader.next() {
                        rows += 1
                        bytes += document.bytes.count
                        if document.dropReason != nil { nulls += 1 }
                    }
                }
                best = min(best, Date().timeIntervalSince(t0))
                bestCPU = min(bestCPU, cpuSeconds() - c0)
            }
            emit(["lib": "tokenmill", "mode": "read", "rows": rows, "nulls": nulls, "bytes": bytes, "wall_s": best,
                  "cpu_s": bestCPU, "mb_per_s": Double(bytes) / 1e6 / best, "mb_per_cpu_s": Double(bytes) / 1e6 / bestCPU])
        case "worst-case":
            // Three adversarial inputs: one repeated character, digits, and real text with every
            // whitespace removed (one unbroken run of letters and punctuation).
            let sample = try InputFile.read(files[0]).filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0D && $0 < 0x80 }
            let digits = Array("31415926535897932384626433832795028841971693993751".utf8)
            let cases: [(String, [UInt8])] = [
                ("repeated-a", [UInt8](repeating: 0x61, count: size)),
                ("digits", (0..<size).map { digits[$0 % digits.count] }),
                ("no-spaces", (0..<size).map { sample[$0 % sample.count] }),
            ]
            for (name, text) in cases {
                let t0 = Date()
                let ids = try tokenizer.encodeBatch([text], specials: .ordinary, threads: 1)[0]
                let wall = Date().timeIntervalSince(t0)
                emit(["lib": "tokenmill", "case": name, "vocab": vocab, "bytes": text.count, "tokens": ids.count,
                      "wall_s": wall, "mb_per_s": Double(text.count) / 1e6 / wall])
            }
        default: usage()
        }
    }

    static func emit(_ object: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func usage() -> Never {
        FileHandle.standardError.write("usage: TokenmillBench encode|worst-case --vocab gpt2|cl100k|o200k [--threads N] FILE...\n".data(using: .utf8)!)
        exit(2)
    }
}
