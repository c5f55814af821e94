import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A reusable barrier for a fixed number of threads that take the merge loop's steps together.
///
/// A thread that arrives early spins (the other threads usually arrive within microseconds: a
/// merge step is short), after `yieldAfterNanoseconds` calling `sched_yield` between checks, so
/// that on a busy machine, where the late thread was descheduled, other processes get the core;
/// after `spinNanoseconds` it sleeps on a condition variable. Why not sleep at once: waking a
/// sleeper took ~50 µs here (a VM), longer than most steps, and with a 50 µs spin the two threads
/// took turns sleeping: 20,697 sleeps and 0.9 s of waiting each in a 3.3 s loop; with 2 ms, ~30.
/// The last thread to arrive opens the barrier and wakes sleepers only if there are any (a
/// sleeper announces itself before it re-checks, with sequentially consistent operations on
/// both sides, so a wake-up cannot be missed).
final class PhaseBarrier: @unchecked Sendable {
    let parties: Int
    let spinNanoseconds: UInt64
    let yieldAfterNanoseconds: UInt64
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(parties: Int, spinNanoseconds: UInt64, yieldAfterNanoseconds: UInt64) {
        self.parties = max(1, parties)
        self.spinNanoseconds = spinNanoseconds
        self.yieldAfterNanoseconds = yieldAfterNanoseconds
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Returns once all `parties` threads have called `wait()` for this round. Everything a thread
    /// wrote before its call is visible to every thread after the call returns.
    func wait() { _ = waitTimed() }

    /// `wait()`, returning how long this thread waited (nanoseconds; 0 for the last to arrive).
    @discardableResult
    func waitTimed() -> UInt64 {
        if parties == 1 { return 0 }
        let round = generation.load(ordering: .acquiring)
        if arrived.add(1, ordering: .acquiringAndReleasing).newValue == parties {
            arrived.store(0, ordering: .relaxed)
            generation.store(round &+ 1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            return 0
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var spins = 0, yielding = false
        while true {
            if generation.load(ordering: .acquiring) != round { return DispatchTime.now().uptimeNanoseconds - start }
            spins += 1
            if yielding { sched_yield() }
            if spins & 255 == 0 || yielding {
                let waited = DispatchTime.now().uptimeNanoseconds - start
                if waited > spinNanoseconds { break }
                yielding = waited > yieldAfterNanoseconds
            }
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == round { pthread_cond_wait(condition, mutex) }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
        return DispatchTime.now().uptimeNanoseconds - start
    }
}
