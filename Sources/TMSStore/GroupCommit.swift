import Foundation
import GRDB
import Synchronization

/// Writes that arrive together commit together: one transaction and one
/// fsync for the batch, each call of a batch of several in a savepoint of its
/// own, so a call that fails is rolled back alone and its neighbours commit. A call returns only
/// after its batch committed: "returned" still means "on disk".
///
/// No thread of its own: a call that finds no batch being committed leads,
/// committing every call queued by then; calls that arrive meanwhile wait, and
/// the first of them leads the next batch once the leader's is on disk.
///
/// The batching window. Without one, N writers settle into batches of 1 and
/// N-1 in turn: the batch's N calls return together, the first one back finds
/// no batch under way and commits alone, and the rest queue behind it
/// (measured in-process, 16 writers: 778 batches of one among 2,177). So a
/// leader whose last batch held more than one call keeps its transaction open
/// for as many: it runs each call as it arrives, while the others are still
/// on their way back, and commits once as many have run or `maximumWindow`
/// has passed, whichever is first. The writers that just returned come back
/// well within that; one that does not costs the batch at most the window. A
/// leader after a batch of one does not wait, so a single writer is a batch of
/// one and never slower; a window that runs out sets the next batch's goal to
/// what it gathered.
final class GroupCommitter: Sendable, CustomStringConvertible {
    /// One call's work and how it ended. Touched only by its caller, which
    /// waits, and by the leader that runs it.
    private final class Call: @unchecked Sendable {
        enum State { case waiting, done, lead }
        /// Let go once it ran, before its caller wakes: the caller's closure
        /// does not escape (`withoutActuallyEscaping` checks it).
        var body: ((Database) throws -> Void)?
        let wake = DispatchSemaphore(value: 0)
        var state = State.waiting
        var failure: (any Error)?
        init(_ body: @escaping (Database) throws -> Void) { self.body = body }
    }

    /// A batch's transaction SQLite rolled back itself (a full disk, an I/O error).
    private struct TransactionLost: Error { let cause: any Error }

    /// The longest a leader holds its batch open for the writers of the last
    /// one. On this two-core machine 16 writers over the socket take about
    /// 1.3 ms a batch, commit and fsync included, so their calls come back
    /// well within it; and a writer that does not come costs the others no
    /// more than a slow fsync does.
    static let maximumWindow: Duration = .milliseconds(1)

    private let pool: DatabasePool
    /// Told after each batch that committed (not one that failed whole).
    let committed: @Sendable () -> Void
    private let queue = Mutex<Queue>(Queue())
    private struct Queue {
        var waiting: [Call] = []
        var leading = false
        /// Calls the last batch held.
        var lastSize = 1
        /// A leader waiting, its transaction open, for the next call to queue.
        var gathering: DispatchSemaphore?
    }
    /// Batch sizes committed, for the benchmark: [size: count].
    private let sizes = Mutex<[Int: Int]>([:])
    /// Leaders that waited for their batch to fill, and of them those whose window ran out.
    private let windows = Mutex<(waited: Int, ranOut: Int)>((0, 0))

    init(pool: DatabasePool, committed: @escaping @Sendable () -> Void = {}) {
        self.pool = pool
        self.committed = committed
    }

    /// Said without reflecting its fields: a Mutex is not to be copied, which
    /// printing by reflection (as ServiceLifecycle prints its services) does.
    var description: String { "GroupCommitter" }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        var result: T?
        try withoutActuallyEscaping(body) { body in
            let call = Call { db in result = try body(db) }
            let leads = queue.withLock { q -> Bool in
                q.waiting.append(call)
                if let gathering = q.gathering {
                    q.gathering = nil
                    gathering.signal()
                }
                if q.leading { return false }
                q.leading = true
                return true
            }
            if !leads {
                call.wake.wait()
            }
            if leads || call.state == .lead { lead(call) }
            if let failure = call.failure { throw failure }
        }
        return result!
    }

    /// Calls queued behind the batch being committed.
    var waiting: Int { queue.withLock { $0.waiting.count } }

    /// How many batches of each size were committed so far.
    var batchSizes: [Int: Int] { sizes.withLock { $0 } }

    /// How many leaders waited for their batch to fill, and how many of those windows ran out.
    var batchingWindows: (waited: Int, ranOut: Int) { windows.withLock { $0 } }

    /// Commits what is queued (`mine` among it), and after a batch of
    /// several what arrives within the window; wakes each call of the batch,
    /// then hands the lead to the first call queued since, if any.
    private func lead(_ mine: Call) {
        let (first, goal) = queue.withLock { q -> ([Call], Int) in
            defer { q.waiting.removeAll(keepingCapacity: true) }
            return (q.waiting, q.lastSize)
        }
        let window = goal > first.count ? ContinuousClock.now + Self.maximumWindow : nil
        let (batch, ok) = commit(first, gathering: window.map { (goal, $0) })
        if ok { committed() }
        for call in batch { call.body = nil }
        sizes.withLock { $0[batch.count, default: 0] += 1 }
        let next = queue.withLock { q -> Call? in
            q.lastSize = batch.count
            guard let first = q.waiting.first else {
                q.leading = false
                return nil
            }
            first.state = .lead
            return first
        }
        for call in batch where call !== mine {
            call.state = .done
            call.wake.signal()
        }
        next?.wake.signal()
    }

    /// The calls queued since the batch began: at once if there are any,
    /// else the first to arrive before `deadline` (none if none does).
    private func arrivals(before deadline: ContinuousClock.Instant) -> [Call] {
        let wake = DispatchSemaphore(value: 0)
        let queued = queue.withLock { q -> [Call] in
            defer { q.waiting.removeAll(keepingCapacity: true) }
            if q.waiting.isEmpty { q.gathering = wake }
            return q.waiting
        }
        if !queued.isEmpty { return queued }
        let left = ContinuousClock.now.duration(to: deadline)
        let (seconds, attoseconds) = max(left, .zero).components
        _ = wake.wait(timeout: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)))
        return queue.withLock { q -> [Call] in
            // (A call that came as the wait ran out is taken all the same.)
            q.gathering = nil
            defer { q.waiting.removeAll(keepingCapacity: true) }
            return q.waiting
        }
    }

    /// Commits `first`, and with `gathering` the calls that arrive until
    /// the batch holds `goal` or the deadline passes, each run as it comes:
    /// the batch, and whether any call of it committed.
    private func commit(_ first: [Call], gathering: (goal: Int, deadline: ContinuousClock.Instant)?) -> ([Call], Bool) {
        var batch = first
        do {
            try pool.writeWithoutTransaction { db in
                let tracker = ChangeTracker.of(db)
                // (Statements prepared once per connection: a batch of one runs two, BEGIN and COMMIT.)
                try db.cachedStatement(sql: "BEGIN IMMEDIATE").execute()
                do {
                    if batch.count == 1, gathering == nil {
                        // A batch of one needs no savepoint: its failure rolls the transaction back.
                        // (A savepoint held open through a call also keeps each of its statements'
                        // journals of changed pages until it is released: a re-book that moved 4,145
                        // sessions wrote 150 MB to a temporary file, one statement's pages after another.)
                        do {
                            try batch[0].body?(db)
                        } catch {
                            batch[0].failure = error
                            throw error
                        }
                    } else {
                        try commitEach(batch, db, tracker)
                        if let gathering {
                            var waited = false
                            while batch.count < gathering.goal {
                                waited = true
                                let more = arrivals(before: gathering.deadline)
                                if more.isEmpty {
                                    windows.withLock { $0.ranOut += 1 }
                                    break
                                }
                                batch += more
                                try commitEach(more, db, tracker)
                            }
                            if waited { windows.withLock { $0.waited += 1 } }
                        }
                    }
                    try db.cachedStatement(sql: "COMMIT").execute()
                } catch {
                    if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
                    throw error
                }
            }
        } catch {
            // Nothing of the batch is on disk: no call of it succeeded.
            let cause = (error as? TransactionLost)?.cause ?? error
            for call in batch where call.failure == nil { call.failure = cause }
            return (batch, false)
        }
        return (batch, batch.contains { $0.failure == nil })
    }

    /// Runs each call of `batch` in a savepoint of its own: one that fails is
    /// rolled back alone, unless SQLite rolled the whole transaction back.
    private func commitEach(_ batch: [Call], _ db: Database, _ tracker: ChangeTracker?) throws {
        for call in batch {
            let mark = tracker?.mark ?? 0
            try db.cachedStatement(sql: "SAVEPOINT tmsd_call").execute()
            do {
                try call.body?(db)
                try db.cachedStatement(sql: "RELEASE tmsd_call").execute()
            } catch {
                call.failure = error
                guard db.isInsideTransaction else { throw TransactionLost(cause: error) }
                try db.cachedStatement(sql: "ROLLBACK TO tmsd_call").execute()
                try db.cachedStatement(sql: "RELEASE tmsd_call").execute()
                tracker?.rollBack(to: mark)
            }
        }
    }
}
