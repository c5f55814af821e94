import Dispatch
import Synchronization

/// A bounded single-producer / single-consumer queue: the data loader's prefetch thread and
/// `EncodeJob`'s reader thread hand their batches over through it.
public final class BoundedQueue<Element: Sendable>: Sendable {
    private let items = DispatchSemaphore(value: 0)
    // Created at 0 and signalled up: libdispatch traps when a semaphore is freed with a value
    // below its initial one.
    private let slots = DispatchSemaphore(value: 0)
    private let storage = Mutex<[Element]>([])
    public let closed = Atomic<Bool>(false)

    public init(capacity: Int) { for _ in 0..<capacity { slots.signal() } }

    /// Waits for a free slot; false once closed.
    public func waitForSlot() -> Bool {
        slots.wait()
        return !closed.load(ordering: .acquiring)
    }
    public func push(_ e: Element) {
        storage.withLock { $0.append(e) }
        items.signal()
    }
    public func pop() -> Element {
        items.wait()
        let e = storage.withLock { $0.removeFirst() }
        slots.signal()
        return e
    }
    public func close() {
        closed.store(true, ordering: .releasing)
        slots.signal()
    }
}
