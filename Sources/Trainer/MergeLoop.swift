import Dispatch
import Foundation

/// The order of the 256 byte tokens: ids 0…255 follow GPT-2's byte-to-unicode alphabet sorted by
/// code point (the printable bytes `!`…`~`, `¡`…`¬`, `®`…`ÿ` first, then the other 68 bytes), which
/// is the order GPT-2's vocabulary and Hugging Face's `BpeTrainer` give them.
public enum ByteAlphabet {
    public static let order: [UInt8] = {
        var printable = Array(UInt8(33)...UInt8(126)) + Array(UInt8(161)...UInt8(172)) + Array(UInt8(174)...UInt8(255))
        let set = Set(printable)
        for b in 0..<256 where !set.contains(UInt8(b)) { printable.append(UInt8(b)) }
        return printable
    }()
    /// `idOfByte[b]` is the token id of byte b.
    public static let idOfByte: [UInt32] = {
        var ids = [UInt32](repeating: 0, count: 256)
        for (id, b) in order.enumerated() { ids[Int(b)] = UInt32(id) }
        return ids
    }()
}

/// The result of the merge loop: token bytes by id (0…255 the bytes in `ByteAlphabet.order`) and
/// the merge rules in the order they were learned.
struct MergeResult {
    var tokens: [[UInt8]]
    var merges: [(left: UInt32, right: UInt32)]
    var mergeCounts: [Int64]
    /// Merges whose result was already a token (another split of the same bytes); they add a rule
    /// but no token, as in Hugging Face's trainer.
    var duplicateMerges = 0
    var stopReason = ""
    /// Seconds spent building the initial pair counts, word lists and heap.
    var setupSeconds = 0.0
}

/// Byte-level BPE merges over a weighted word list, on one or more threads.
///
/// Words are stored as symbol ids back to back. Each pair has a live count and lists of the
/// words that (may) contain it; merging pair (a, b) visits only the words on those lists,
/// rewrites them left to right (non-overlapping, as Hugging Face's `Word::merge`), and applies
/// the local count changes of each occurrence: (prev, a) and (b, next) lose the word's weight,
/// (prev, new) and (new, next) gain it. Pairs that gain are pushed on their shard's heap; pairs
/// that lose are corrected when popped.
///
/// With T threads the words are cut into T blocks of about equal length, one per worker, and the
/// pairs into T shards by hash, one per owner (`MergeWorker`, `PairShard`); each step's merge is
/// the best pair of all shards, so the merges, ties included, are the same for any T.
struct MergeLoop {
    var arena: WordArena

    /// Copies the words of `table` (on `threads` threads).
    init(words table: PreTokenCounts, threads: Int) { arena = WordArena(table, threads: threads) }

    /// Learns merges until `targetTokens` tokens (or no pair is left, or the best pair is seen
    /// fewer than `minFrequency` times), on `threads` threads. `progress(done, total)` is called
    /// after each merge, on the calling thread. Frees the words.
    mutating func run(targetTokens: Int, minFrequency: Int64, maxTokenLength: Int, threads: Int,
                      progress: ((Int, Int) -> Void)?) -> MergeResult {
        let workers = max(1, threads)
        // Blocks of about equal length: a merge's words are spread over them at random (words
        // come in hash order), so each worker gets about its share of every merge.
        var blocks = [0]
        var w = 0
        while w < arena.units {
            w += WordArena.units(length: Int(arena.record(w)[2]))
            while blocks.count < workers && w * workers >= arena.units * blocks.count { blocks.append(w) }
        }
        while blocks.count <= workers { blocks.append(arena.units) }
        let pools = UnsafeMutablePointer<WordLists>.allocate(capacity: workers * workers)
        pools.initialize(repeating: WordLists(), count: workers * workers)
        let shards = UnsafeMutablePointer<PairShard>.allocate(capacity: workers)
        for o in 0..<workers { (shards + o).initialize(to: PairShard(workers: workers, pools: pools + o * workers)) }
        let span = MergeWorker.bytePairs
        let byteCounts = UnsafeMutablePointer<Int64>.allocate(capacity: workers * span)
        byteCounts.initialize(repeating: 0, count: workers * span)
        let byteSeen = UnsafeMutablePointer<UInt8>.allocate(capacity: workers * span)
        byteSeen.initialize(repeating: 0, count: workers * span)
        let byteLists = UnsafeMutablePointer<WordLists.List>.allocate(capacity: workers * span)
        byteLists.initialize(repeating: WordLists.List(), count: workers * span)
        let boxes = UnsafeMutablePointer<PairDeltaBox>.allocate(capacity: workers * workers)
        boxes.initialize(repeating: PairDeltaBox(), count: workers * workers)
        let idCount = max(256, targetTokens)
        let tokenLength = UnsafeMutablePointer<Int32>.allocate(capacity: idCount)
        tokenLength.initialize(repeating: 1, count: idCount)
        let step = UnsafeMutablePointer<MergeStep>.allocate(capacity: 1)
        step.initialize(to: MergeStep())
        defer {
            tokenLength.deallocate()
            step.deallocate()
            arena.deallocate()
            shards.deinitialize(count: workers); shards.deallocate()
            pools.deinitialize(count: workers * workers); pools.deallocate()
            byteCounts.deallocate(); byteSeen.deallocate(); byteLists.deallocate()
            boxes.deinitialize(count: workers * workers); boxes.deallocate()
        }
        let shared = MergeShared(workers: workers, arena: arena, blocks: blocks, shards: shards, boxes: boxes, pools: pools,
                                 byteCounts: byteCounts, byteSeen: byteSeen, byteLists: byteLists,
                                 barrier: PhaseBarrier(parties: workers, spinNanoseconds: MergeLoop.spinNanoseconds,
                                                      yieldAfterNanoseconds: MergeLoop.yieldAfterNanoseconds),
                                 tokenLength: tokenLength, step: step, parallelWords: MergeLoop.parallelWords,
                                 targetTokens: targetTokens, minFrequency: minFrequency, maxTokenLength: Int32(clamping: maxTokenLength))
        let done = DispatchGroup()
        for t in 1..<workers {
            done.enter()
            let thread = Thread {
                var worker = MergeWorker(me: t, shared: shared)
                _ = worker.run(progress: nil)
                worker.release()
                done.leave()
            }
            thread.start()
        }
        var worker = MergeWorker(me: 0, shared: shared)
        let result = worker.run(progress: progress)

        worker.release()
        done.wait()
        return result
    }

    /// How long a merge-loop thread that reaches a barrier first spins before it sleeps, and
    /// after how long it yields its core between checks (PhaseBarrier).
    static let spinNanoseconds: UInt64 = 2_000_000
    static let yieldAfterNanoseconds: UInt64 = 50_000
    /// Steps whose pair is on fewer words than this are taken by one thread (`MergeWorker`). 1:
    /// every step is shared while the threads have their cores. Measured on the 103.6 MB set at
    /// 32,768, 2 threads, session at nice -20, load 4-4.9, three rounds: the loop took 1.61-1.96 s
    /// sharing every step, 1.75-2.35 s from 50 words, 2.07-2.30 s from 200, 1.89-2.50 s from
    /// 1,000 (one thread: 2.4-3.0 s); the steps on fewer than 1,024 words are 30,300 of the
    /// 32,511 and 47% of one thread's loop, so taking them alone left half the loop serial.
    static let parallelWords = 1
    /// The threshold once worker 0 has waited too long (`MergeWorker.lead`): the level at which
    /// sharing paid on a busy machine at normal priority (2 threads no slower than 1).
    static let busyWords = 1000
    /// The shortest window over which waiting is judged: 64 steps of a few µs are too few to tell
    /// one descheduling from a busy machine.
    static let windowNanoseconds: UInt64 = 20_000_000
}
