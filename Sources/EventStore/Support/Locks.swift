#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A readers–writer lock around `pthread_rwlock_t`.
///
/// The store takes it shared for every LMDB read transaction and exclusively only to remap the
/// file (`mdb_env_set_mapsize`), which LMDB allows only while no transaction of this process is
/// open: a remap under a reader would leave it with pointers into the old mapping.
final class ReadWriteLock: @unchecked Sendable {
    // Invariant: `lock` is allocated once in init, initialised, and destroyed in deinit.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        precondition(pthread_rwlock_init(lock, nil) == 0, "pthread_rwlock_init failed")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    func withReadLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    func withWriteLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}

/// A FIFO that a dedicated thread drains in batches: `takeAll` blocks on a condition variable
/// until at least one item is queued, then returns everything waiting (that is the group commit).
final class BatchQueue<Item>: @unchecked Sendable {
    // Invariant: `items` and `closed` are only touched with `mutex` held.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var items: [Item] = []
    private var closed = false

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Queues an item; returns false (and queues nothing) once the queue is closed.
    func push(_ item: Item) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if closed { return false }
        items.append(item)
        if items.count == 1 { pthread_cond_signal(condition) }
        return true
    }

    /// Blocks until items are waiting and returns up to `limit` of them; nil when closed and
    /// empty; an empty array if `timeout` (seconds) passes first.
    func take(limit: Int, timeout: Double? = nil) -> [Item]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let timeout, items.isEmpty && !closed {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let nanoseconds = Int(now.tv_nsec) + Int(timeout * 1e9)
            var deadline = timespec(tv_sec: now.tv_sec + nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
            while items.isEmpty && !closed {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
            }
            if items.isEmpty && !closed { return [] }
        }
        while items.isEmpty && !closed {
            pthread_cond_wait(condition, mutex)
        }
        if items.isEmpty { return nil }
        if items.count <= limit {
            let all = items
            items.removeAll(keepingCapacity: true)
            return all
        }
        let head = Array(items.prefix(limit))
        items.removeFirst(limit)
        return head
    }

    /// Stops accepting items; those queued are still handed out by `take`, then it returns nil.
    func close() {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        closed = true
        pthread_cond_broadcast(condition)
    }

    /// Stops accepting items and returns those still waiting, so that their callers can be failed.
    func closeAndDrain() -> [Item] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        closed = true
        let rest = items
        items.removeAll()
        pthread_cond_broadcast(condition)
        return rest
    }
}
