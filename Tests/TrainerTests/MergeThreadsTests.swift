import BPE
import Foundation
import Testing
import Trainer
#if canImport(Glibc)
import Glibc
#endif

/// The merge loop runs on `options.threads` threads (word blocks and pair shards, MergeWorker):
/// its merges, ties and duplicate merges included, must not depend on the thread count.
@Suite struct MergeThreadsTests {
    func merges(_ words: [([UInt8], UInt64)], vocab: Int, threads: Int, minFrequency: Int = 0,
                maxTokenLength: Int? = nil) throws -> (merges: [[UInt8]], report: TrainingReport) {
        var options = TrainerOptions(vocabSize: vocab)
        options.threads = threads
        options.minFrequency = minFrequency
        options.maxTokenLength = maxTokenLength
        options.mergeWordsPerThread = 0   // the threaded loop even on these few words
        let result = try BPETrainer.train(wordCounts: words, options: options)
        return (result.merges.map { $0.left + [0xFF, 0xFF] + $0.right }, result.report)
    }

    /// Runs of one letter, alternating pairs and merges whose neighbour is the new token itself
    /// ("abab" → (ab, ab)), where a merge's count changes cancel or overlap: every thread count
    /// gives the brute-force reference's merges.
    @Test func overlappingOccurrencesMatchTheReference() throws {
        let words: [([UInt8], UInt64)] = [
            ("aaaaaaa", 9), ("aaaa", 7), ("abababab", 5), ("ababa", 4), ("babab", 3), ("aabbaabb", 6),
            ("abcabcabc", 4), ("cabcab", 2), ("bbbb", 3), ("ab", 1), ("a", 50),
        ].map { (Array($0.0.utf8), UInt64($0.1)) }
        let want = referenceMerges(words: words, merges: 20).map { $0.left + [0xFF, 0xFF] + $0.right }
        #expect(want.count >= 10)
        for threads in 1...4 {
            #expect(try merges(words, vocab: 256 + 20, threads: threads).merges == want, "\(threads) threads")
        }
    }

    /// Real text in several scripts, with --min-frequency and --max-token-length (which leave
    /// some pairs uncounted): 1–4 threads learn the reference's merges and stop for the same reason.
    @Test(arguments: [(0, Int.max), (3, Int.max), (0, 4)])
    func realTextMatchesTheReference(minFrequency: Int, maxLength: Int) throws {
        let text = lines("books/devils-dictionary.dict.txt", 0..<300) + lines("multilingual/ru-fortunes.excerpt.txt", 0..<150)
            + lines("multilingual/zh-debian-reference.excerpt.txt", 0..<150)
        let words = preTokenCounts([text])
        let want = referenceMerges(words: words, merges: 400, minFrequency: UInt64(minFrequency), maxTokenLength: maxLength)
            .map { $0.left + [0xFF, 0xFF] + $0.right }
        var reasons: Set<String> = []
        for threads in 1...4 {
            let got = try merges(words, vocab: 256 + 400, threads: threads, minFrequency: minFrequency,
                                 maxTokenLength: maxLength == Int.max ? nil : maxLength)
            #expect(got.merges == want, "\(threads) threads")
            reasons.insert(got.report.stopReason)
        }
        #expect(reasons.count == 1)
    }

    /// Pairs on thousands of words, whose word lists span every block size of the pools (7, 15,
    /// 31, 63, then 127 words a block) and are released and their blocks reused as merges go on:
    /// 1–4 threads learn the reference's merges.
    @Test func longWordListsMatchTheReference() throws {
        let letters = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        var words: [([UInt8], UInt64)] = []
        for i in 0..<3000 {
            let tail = [letters[i % 26], letters[(i / 26) % 26], letters[(i / 676) % 26]]
            words.append((Array("the".utf8) + tail + (i % 3 == 0 ? Array("ing".utf8) : []), UInt64(1 + i % 5)))
        }
        let want = referenceMerges(words: words, merges: 60).map { $0.left + [0xFF, 0xFF] + $0.right }
        #expect(want.count == 60)
        for threads in 1...4 {
            #expect(try merges(words, vocab: 256 + 60, threads: threads).merges == want, "\(threads) threads")
        }
    }

    /// More threads than words (some workers have no words, some shards no pairs), and a vocabulary
    /// larger than the words allow ("no pairs left"): the same merges as one thread.
    @Test func moreThreadsThanWords() throws {
        let words: [([UInt8], UInt64)] = [("hello", 3), ("yellow", 2)].map { (Array($0.0.utf8), UInt64($0.1)) }
        let one = try merges(words, vocab: 256 + 50, threads: 1)
        #expect(one.report.stopReason == "no pairs left")
        for threads in [2, 3, 4, 8] {
            let got = try merges(words, vocab: 256 + 50, threads: threads)
            #expect(got.merges == one.merges, "\(threads) threads")
            #expect(got.report.stopReason == one.report.stopReason)
        }
        // The loop's threads take every step together: never more of them than cores.
        let many = try merges(words, vocab: 256 + 50, threads: 64)
        #expect(many.merges == one.merges)
        #expect(many.report.mergeThreads >= 1 && many.report.mergeThreads <= min(64, max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        #expect(one.report.mergeThreads == 1)
    }

    /// Whole files, through counting and the merge loop: the tokenizer.json is byte-identical for
    /// 1, 2, 3 and 4 threads.
    @Test func sameTokenizerForOneToFourThreads() throws {
        let files = ["books/devils-dictionary.dict.txt", "books/kjv-bible.excerpt.txt", "multilingual/zh-debian-reference.excerpt.txt",
                     "multilingual/ru-fortunes.excerpt.txt", "messy/fortunes-ru-b0.crlf.txt"].map(Paths.corpus)
        var jsons: [Data] = []
        for threads in 1...4 {
            var options = TrainerOptions(vocabSize: 4000)
            options.threads = threads
            options.holdoutFraction = 0
            options.specialTokens = ["<|endoftext|>"]
            options.chunkSize = 1 << 15
            options.mergeWordsPerThread = 0
            jsons.append(try BPETrainer.train(files: files, options: options).tokenizer.huggingFaceJSON())
        }
        #expect(jsons.allSatisfy { $0 == jsons[0] })
    }
}
