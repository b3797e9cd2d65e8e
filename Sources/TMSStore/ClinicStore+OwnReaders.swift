import GRDB
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Read connections that each belong to one thread: the event loops', where
/// tmsd answers a quick read (one day, one course, one patient) without
/// handing it to the call threads. Such a read never waits for the pool's
/// readers, which long reports and listings may all hold; in WAL mode it
/// never waits for the writer either. Each is opened read-only, on the
/// thread's first quick read, and closed with the store.
final class OwnReaders: Sendable, CustomStringConvertible {
    private let path: String
    private let configuration: Configuration
    /// Each thread's connection, unretained, in thread-local storage (a new
    /// thread starts with none, even one that reuses an old one's pthread_t).
    private let key: pthread_key_t
    /// The connections, retained here until the store goes.
    private let opened = Mutex<[DatabaseQueue]>([])

    init(path: String, configuration: Configuration) {
        var configuration = configuration
        configuration.readonly = true
        configuration.label = "tmsd.own-reader"
        self.path = path
        self.configuration = configuration
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-local key left")
        self.key = key
    }

    deinit { pthread_key_delete(key) }

    var description: String { "OwnReaders(\(opened.withLock { $0.count }))" }

    /// The calling thread's own connection, if it has asked for one.
    var current: DatabaseQueue? {
        pthread_getspecific(key).map { Unmanaged<DatabaseQueue>.fromOpaque($0).takeUnretainedValue() }
    }

    /// The calling thread's own connection, opened if it has none.
    func forCurrentThread() throws -> DatabaseQueue {
        if let queue = current { return queue }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        opened.withLock { $0.append(queue) }
        pthread_setspecific(key, Unmanaged.passUnretained(queue).toOpaque())
        return queue
    }
}

extension ClinicStore {
    /// From now on every read the store makes on the calling thread goes
    /// through a read-only connection of the thread's own (opened here, the
    /// first time). For an event loop: its reads wait for no other call's
    /// connection. Not while the database file is no longer the one the
    /// store opened (reads stay on the pool, whose connections are).
    public func useOwnReadConnection() throws {
        guard ownReaders.current == nil, (try? checkFile(writable: false)) != nil else { return }
        _ = try ownReaders.forCurrentThread()
    }

    /// One read, in a transaction of its own (one snapshot): on the calling
    /// thread's own connection when it has one, on one of the pool's readers otherwise.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        if let own = ownReaders.current { return try own.read(body) }
        return try pool.read(body)
    }
}
