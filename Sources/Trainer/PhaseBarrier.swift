import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A reusable barrier for a fixed number of threads that take the merge loop's steps together.
///
/// A thread that arrives early spins for up to `spinNanoseconds` (the other threads usually arrive
/// within microseconds: a merge step is short), then sleeps on a condition variable, so a thread
/// whose partner was descheduled on a busy machine gives its core back instead of burning it.
/// The last thread to arrive opens the barrier and wakes sleepers only if there are any (a
/// sleeper announces itself before it re-checks, with sequentially consistent operations on
/// both sides, so a wake-up cannot be missed).
final class PhaseBarrier: @unchecked Sendable {
    let parties: Int
    let spinNanoseconds: UInt64
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(parties: Int, spinNanoseconds: UInt64) {
        self.parties = max(1, parties)
        self.spinNanoseconds = spinNanoseconds
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
    func wait() {
        if parties == 1 { return }
        let round = generation.load(ordering: .acquiring)
        if arrived.add(1, ordering: .acquiringAndReleasing).newValue == parties {
            arrived.store(0, ordering: .relaxed)
            generation.store(round &+ 1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            return
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var spins = 0
        while true {
            if generation.load(ordering: .acquiring) != round { return }
            spins += 1
            if spins & 255 == 0 && DispatchTime.now().uptimeNanoseconds - start > spinNanoseconds { break }
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == round { pthread_cond_wait(condition, mutex) }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
    }
}
