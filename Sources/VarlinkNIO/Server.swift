public import NIOCore
public import Varlink
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Something the server noticed that an operator may want to read.
public enum VarlinkServerEvent: Sendable {
    /// A peer broke the protocol (bad JSON, oversize frame, ...); its connection was closed.
    case protocolViolation(peer: PeerCredentials?, reason: String)
    /// A connection failed at the socket level.
    case connectionError(String)
    /// A connection was refused at once: `limit` connections were already open.
    case connectionLimitReached(limit: Int)
    /// A connection that sent nothing and waited for nothing for the idle timeout was closed.
    case idleConnectionClosed(peer: PeerCredentials?)
}

/// Why a new connection was closed as soon as it was accepted.
struct ConnectionLimitReached: Error {}

/// A Varlink server on a Unix socket, on SwiftNIO.
///
/// Each connection answers its calls one at a time and in order, as the
/// protocol requires; connections are independent, so a slow or silent peer
/// holds up only itself. Shutting down stops accepting first, then lets every
/// connection finish the call it is running and closes it.
public struct VarlinkServer: Sendable {
    /// Frames larger than this close the connection.
    public static let defaultMaximumFrameLength = 1 << 20

    public let dispatcher: VarlinkDispatcher
    private let listener: any Channel
    private let connections: ConnectionRegistry
    private let subscribers: Subscribers

    private init(dispatcher: VarlinkDispatcher, listener: any Channel, connections: ConnectionRegistry, subscribers: Subscribers) {
        self.dispatcher = dispatcher
        self.listener = listener
        self.connections = connections
        self.subscribers = subscribers
    }

    /// The records changed: every subscription (a call with `more` of a
    /// method the handler `streams`) is answered again. Cheap when there are
    /// none; a subscriber still being answered is answered once more after.
    public func changed() { subscribers.notify() }

    /// Open subscriptions.
    public var subscriptions: Int { subscribers.count }

    /// Where the server listens.
    public enum Endpoint: Sendable {
        /// Bind this path (a stale socket file there is replaced).
        case path(String)
        /// Adopt an already bound and listening socket (systemd's LISTEN_FDS).
        case fileDescriptor(CInt)
    }

    /// How long a message may stay half-received before the connection is closed.
    public static let defaultFrameTimeout = TimeAmount.seconds(10)

    /// How many connections may be open at once; more are closed as they arrive.
    public static let defaultMaximumConnections = 512

    /// How long a connection may sit with no call and no reply before it is closed.
    public static let defaultIdleTimeout = TimeAmount.seconds(600)

    /// Opens the listening socket. Returns once it accepts connections.
    public static func start(
        _ endpoint: Endpoint,
        dispatcher: VarlinkDispatcher,
        group: any EventLoopGroup,
        maximumFrameLength: Int = defaultMaximumFrameLength,
        frameTimeout: TimeAmount = defaultFrameTimeout,
        maximumConnections: @escaping @Sendable () -> Int = { defaultMaximumConnections },
        idleTimeout: @escaping @Sendable () -> TimeAmount? = { defaultIdleTimeout },
        events: @escaping @Sendable (VarlinkServerEvent) -> Void = { _ in }
    ) async throws -> VarlinkServer {
        // The registry must exist before the first connection is accepted.
        let registry = ConnectionRegistry()
        let subscribers = Subscribers()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            // One read per readable event: a call is one small frame, and a second
            // read would only return EAGAIN.
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                // A peer that opens connections without end must not use up the
                // daemon's descriptors: past the limit, new ones are closed at once.
                let limit = maximumConnections()
                guard registry.admit(channel, limit: limit) else {
                    events(.connectionLimitReached(limit: limit))
                    return channel.eventLoop.makeFailedFuture(ConnectionLimitReached())
                }
                // Held places are given back: a connection idle this long is closed (nil: never).
                let idle = idleTimeout()
                return channel.eventLoop.makeCompletedFuture {
                    if let idle { try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idle)) }
                    try channel.pipeline.syncOperations.addHandlers([
                        PartialFrameTimer(timeout: frameTimeout),
                        ByteToMessageHandler(NULFrameDecoder(maximumLength: maximumFrameLength)),
                        VarlinkConnectionHandler(
                            dispatcher: dispatcher, maximumFrameLength: maximumFrameLength, subscribers: subscribers, events: events),
                    ])
                }
            }
        let listener: any Channel
        switch endpoint {
        case .path(let path):
            listener = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        case .fileDescriptor(let fd):
            listener = try await bootstrap.withBoundSocket(fd).get()
        }
        return VarlinkServer(dispatcher: dispatcher, listener: listener, connections: registry, subscribers: subscribers)
    }

    /// Stops accepting, lets running calls finish, closes every connection.
    public func shutdown() async {
        try? await listener.close()
        let open = connections.channels.withLock { Array($0.values) }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(VarlinkConnectionHandler.Drain())
        }
        for channel in open {
            try? await channel.closeFuture.get()
        }
    }

    /// Returns when the listening socket closes.
    public func waitUntilClosed() async {
        try? await listener.closeFuture.get()
    }

    public var openConnections: Int { connections.channels.withLock { $0.count } }
}

/// Keeps the set of open connections, so shutdown can drain them.
private final class ConnectionRegistry: Sendable {
    let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Adds the channel unless `limit` are open already.
    func admit(_ channel: any Channel, limit: Int) -> Bool {
        let id = ObjectIdentifier(channel)
        let admitted = channels.withLock { open -> Bool in
            guard open.count < limit else { return false }
            open[id] = channel
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { _ in
                _ = self.channels.withLock { $0.removeValue(forKey: id) }
            }
        }
        return admitted
    }
}

/// The connections subscribed to changes, each told by a closure that
/// hops to its own event loop.
final class Subscribers: Sendable {
    private let all = Mutex<[ObjectIdentifier: @Sendable () -> Void]>([:])

    func add(_ id: ObjectIdentifier, _ tell: @escaping @Sendable () -> Void) { all.withLock { $0[id] = tell } }
    func remove(_ id: ObjectIdentifier) { _ = all.withLock { $0.removeValue(forKey: id) } }
    var count: Int { all.withLock { $0.count } }

    func notify() {
        let each = all.withLock { Array($0.values) }
        for tell in each { tell() }
    }
}

/// Splits the byte stream into NUL-terminated messages.
struct NULFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    struct FrameTooLarge: Error {}

    let maximumLength: Int
    /// Bytes already searched for a NUL in the current partial frame.
    private var scanned = 0

    init(maximumLength: Int) { self.maximumLength = maximumLength }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        let from = view.index(view.startIndex, offsetBy: min(scanned, view.count))
        guard let nul = view[from...].firstIndex(of: 0) else {
            scanned = view.count
            if view.count > maximumLength { throw FrameTooLarge() }
            return .needMoreData
        }
        let length = nul - view.startIndex
        if length > maximumLength { throw FrameTooLarge() }
        scanned = 0
        let frame = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial frame at EOF is dropped; the peer went away mid-message.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.clear()
        return .needMoreData
    }
}

/// Closes a connection whose peer starts a message and does not finish it
/// within the timeout: a half-sent frame must not hold a connection forever.
final class PartialFrameTimer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    struct Expired: Error {}

    let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        // Data after the chunk's last NUL is the start of an unfinished message.
        if bytes.readableBytesView.last == 0 {
            timer?.cancel()
            timer = nil
        } else if timer == nil, bytes.readableBytes > 0 {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: timeout) { bound.value.fireErrorCaught(Expired()) }
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}

/// Answers one connection's calls in order. A client may pipeline as many
/// as it likes: with `maximumQueuedCalls` waiting, or replies piling up
/// unread (the channel not writable), the connection stops reading until it
/// catches up, so the client waits instead of losing its connection, and
/// every call that ran gets its reply.
final class VarlinkConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Asks the connection to close once its running call has been answered.
    struct Drain {}

    /// The threads calls run on, shared by every connection: more than the
    /// cores, since a write mostly waits for its batch's fsync, and a batch
    /// can hold only the writes that reach it while it is open (16 writers on two
    /// threads would make batches of two). Started at the first call.
    static let callThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 32)
        pool.start()
        return pool
    }()

    /// Calls queued before the connection stops reading (a read that brings
    /// more is queued whole: what one read holds is bounded by its buffer).
    static let maximumQueuedCalls = 128

    private let dispatcher: VarlinkDispatcher
    private let maximumFrameLength: Int
    private let subscribers: Subscribers
    private let events: @Sendable (VarlinkServerEvent) -> Void
    private var peer: PeerCredentials?
    /// The subscription this connection holds (a call with `more` of a method that streams), once answered.
    private var subscription: (call: VarlinkCall, method: VarlinkMethod)?
    /// A reply to the subscription is being made; `stale`: the records changed again meanwhile.
    private var refreshing = false
    private var stale = false
    private var queue = CircularBuffer<ByteBuffer>()
    private var busy = false
    private var draining = false
    /// A read was asked for while the queue was full or replies unread: made when it drains.
    private var readHeld = false

    init(
        dispatcher: VarlinkDispatcher, maximumFrameLength: Int, subscribers: Subscribers,
        events: @escaping @Sendable (VarlinkServerEvent) -> Void
    ) {
        self.dispatcher = dispatcher
        self.maximumFrameLength = maximumFrameLength
        self.subscribers = subscribers
        self.events = events
    }

    func channelInactive(context: ChannelHandlerContext) {
        if subscription != nil { subscribers.remove(ObjectIdentifier(self)) }
        subscription = nil
        context.fireChannelInactive()
    }

    func channelActive(context: ChannelHandlerContext) {
        if let provider = context.channel as? any SocketOptionProvider {
            let future: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
            // On the channel's event loop the future is already complete, so
            // the callback runs before this returns and before any read.
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            future.whenSuccess { cred in
                bound.value.peer = PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid)
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !draining else { return }
        // A subscription's replies go on until the client closes: a call after it is not answered.
        if subscription != nil {
            violation(context, "a call was sent on a connection that holds a subscription (a call with 'more')")
            return
        }
        queue.append(unwrapInboundIn(data))
        processNext(context: context)
    }

    /// Backpressure: no read while the queue is full or the replies are not read.
    func read(context: ChannelHandlerContext) {
        if queue.count >= Self.maximumQueuedCalls || !context.channel.isWritable {
            readHeld = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            if stale, !refreshing { refresh(context) }
            processNext(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    /// The read held back, once there is room again.
    private func resumeReading(_ context: ChannelHandlerContext) {
        guard readHeld, !draining, queue.count < Self.maximumQueuedCalls, context.channel.isWritable else { return }
        readHeld = false
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is Drain {
            draining = true
            if !busy { context.close(promise: nil) }
            return
        }
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all {
            // Nothing read or written for the idle timeout; a call still running, or a subscriber
            // waiting for changes, is let be.
            if !busy, queue.isEmpty, subscription == nil {
                events(.idleConnectionClosed(peer: peer))
                draining = true
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NULFrameDecoder.FrameTooLarge {
            violation(context, "a message exceeds the limit of \(maximumFrameLength) bytes")
        } else if error is PartialFrameTimer.Expired {
            violation(context, "a message was left unfinished")
        } else if let io = error as? IOError, io.errnoCode == ECONNRESET || io.errnoCode == EPIPE {
            context.close(promise: nil)
        } else {
            events(.connectionError(String(describing: error)))
            context.close(promise: nil)
        }
    }

    private func violation(_ context: ChannelHandlerContext, _ reason: String) {
        events(.protocolViolation(peer: peer, reason: reason))
        queue.removeAll()
        draining = true
        context.close(promise: nil)
    }

    /// Calls answered on the loop in one go before the loop turns to its
    /// other connections: a client that sends many quick reads at once holds
    /// the others up for at most this many.
    static let callsPerTurn = 16

    private func processNext(context: ChannelHandlerContext) {
        defer { resumeReading(context) }
        var answered = 0
        // (Replies the client does not read stop the calls after them, and so the reading.)
        while !busy, !draining, context.channel.isWritable, let frame = queue.popFirst() {
            answered += 1
            if answered > Self.callsPerTurn {
                queue.prepend(frame)
                busy = true
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.execute {
                    let (handler, context) = bound.value
                    handler.resume(context)
                }
                return
            }
            switch dispatcher.step(frame.readableBytesView) {
            case .violation(let reason):
                violation(context, reason)
            case .reply(let result):
                if let result { send(result, context: context) }
            case .call(let call, let method, let invalid):
                let peer = self.peer ?? PeerCredentials(pid: 0, uid: UInt32.max, gid: UInt32.max)
                let dispatcher = self.dispatcher
                if call.more, !call.oneway, invalid == nil, dispatcher.handler.streams(method) {
                    subscribe(call, method, context)
                    return
                }
                guard dispatcher.handler.mayBlock(method) else {
                    // A quick read: answer here, on the event loop.
                    let result = dispatcher.run(call, method, peer: peer, invalid: invalid)
                    if !call.oneway { send(result, context: context) }
                    continue
                }
                busy = true
                // The reply's frame is made on the pool too: a long reply copied on the loop would hold it up.
                let allocator = context.channel.allocator
                let future = Self.callThreads.runIfActive(eventLoop: context.eventLoop) {
                    Self.frame(dispatcher.run(call, method, peer: peer, invalid: invalid), allocator)
                }
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                future.whenComplete { outcome in
                    // The pool refuses work only while the process shuts down.
                    let frame = (try? outcome.get()) ?? Self.frame(.failure(.methodNotImplemented(call.method)), allocator)
                    let (handler, context) = bound.value
                    if !call.oneway { context.writeAndFlush(handler.wrapOutboundOut(frame), promise: nil) }
                    handler.resume(context)
                }
            }
        }
    }

    /// Starts the connection's subscription: its first reply now, the next
    /// ones whenever the records change. An error reply ends it.
    private func subscribe(_ call: VarlinkCall, _ method: VarlinkMethod, _ context: ChannelHandlerContext) {
        // Calls pipelined behind it would never be answered: the protocol is broken, as by one sent later.
        guard queue.isEmpty else {
            violation(context, "a call was sent on a connection that holds a subscription (a call with 'more')")
            return
        }
        subscription = (call, method)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        subscribers.add(ObjectIdentifier(self)) {
            loop.execute {
                let (handler, context) = bound.value
                handler.refresh(context)
            }
        }
        refresh(context)
    }

    /// The subscription's reply made again (where its first was: on the loop
    /// for a quick read, else on the call threads) and sent with `continues`:
    /// one at a time, the latest state only; with replies unread, the next
    /// waits until the client reads.
    private func refresh(_ context: ChannelHandlerContext) {
        guard let (call, method) = subscription, !draining else { return }
        guard !refreshing, context.channel.isWritable else {
            stale = true
            return
        }
        refreshing = true
        stale = false
        let peer = self.peer ?? PeerCredentials(pid: 0, uid: UInt32.max, gid: UInt32.max)
        let dispatcher = self.dispatcher, allocator = context.channel.allocator
        let make = { () -> (ByteBuffer, Bool) in
            let result = dispatcher.run(call, method, peer: peer)
            if case .failure = result { return (Self.frame(result, allocator), true) }
            return (Self.frame(result, allocator, continues: true), false)
        }
        // A quick read is made here, on the loop, as its first answer was (and on the loop's own
        // read connection); another on the call threads.
        guard dispatcher.handler.mayBlock(method) else {
            refreshed(make(), context)
            return
        }
        let future = Self.callThreads.runIfActive(eventLoop: context.eventLoop, make)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        future.whenComplete { outcome in
            let (handler, context) = bound.value
            guard let reply = try? outcome.get() else {
                handler.refreshing = false
                return
            }
            handler.refreshed(reply, context)
        }
    }

    /// A subscription's reply made: sent, and the next one made if the records changed meanwhile.
    private func refreshed(_ reply: (frame: ByteBuffer, ends: Bool), _ context: ChannelHandlerContext) {
        refreshing = false
        guard subscription != nil else { return }
        context.writeAndFlush(wrapOutboundOut(reply.frame), promise: nil)
        if reply.ends {
            subscribers.remove(ObjectIdentifier(self))
            subscription = nil
            draining = true
            context.close(promise: nil)
        } else if stale {
            refresh(context)
        }
    }

    /// After a call on the pool or a turn given up: the next queued call, or
    /// the close a drain asked for.
    private func resume(_ context: ChannelHandlerContext) {
        busy = false
        if draining {
            context.close(promise: nil)
        } else {
            processNext(context: context)
        }
    }

    private func send(_ result: Result<[UInt8], VarlinkError>, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(Self.frame(result, context.channel.allocator)), promise: nil)
    }

    /// A reply as it goes on the wire, NUL included: its parameters copied
    /// once, straight into the buffer.
    static func frame(_ result: Result<[UInt8], VarlinkError>, _ allocator: ByteBufferAllocator, continues: Bool = false) -> ByteBuffer {
        switch result {
        case .success(let parameters):
            var buffer = allocator.buffer(capacity: parameters.count + 32)
            if continues { buffer.writeStaticString(#"{"continues":true,"parameters":"#) } else { buffer.writeStaticString(#"{"parameters":"#) }
            buffer.writeBytes(parameters)
            buffer.writeInteger(UInt8(ascii: "}"))
            buffer.writeInteger(UInt8(0))
            return buffer
        case .failure:
            let bytes = VarlinkDispatcher.encode(result)
            var buffer = allocator.buffer(capacity: bytes.count + 1)
            buffer.writeBytes(bytes)
            buffer.writeInteger(UInt8(0))
            return buffer
        }
    }
}

/// Laid out like Linux's `struct ucred`.
struct UCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
