#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A detached POSIX thread running one closure: the engine plumbing's blocking reads, writes
/// and waits, kept off Swift's cooperative pool. Foundation's `Thread` would link ICU.
package final class WorkerThread: @unchecked Sendable {
    /// Shown by `ps -L` and debuggers; Linux keeps the first 15 bytes.
    package var name: String?
    private let body: @Sendable () -> Void

    package init(block: @escaping @Sendable () -> Void) {
        body = block
    }

    /// Starts the thread; the closure keeps this object alive until it returns.
    package func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let result = pthread_create(&thread, nil, { argument in
            // Optional on Linux, not on Darwin.
            let pointer: UnsafeMutableRawPointer? = argument
            guard let context = pointer else { return nil }
            let worker = Unmanaged<WorkerThread>.fromOpaque(context).takeRetainedValue()
            worker.run()
            return nil
        }, context)
        guard result == 0 else {
            // No thread: run the work here rather than lose it (the caller waits for its result).
            Unmanaged<WorkerThread>.fromOpaque(context).release()
            body()
            return
        }
        #if canImport(Glibc)
        pthread_detach(thread)
        #else
        if let thread { pthread_detach(thread) }
        #endif
    }

    #if canImport(Glibc)
    private typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    /// glibc's `pthread_setname_np`, which its module map does not export (it needs `_GNU_SOURCE`).
    private static let setName: SetName? = dlsym(nil, "pthread_setname_np").map { unsafeBitCast($0, to: SetName.self) }
    #endif

    private func run() {
        if let name {
            let bytes = Array(name.utf8.prefix(15))
            #if canImport(Glibc)
            if let setName = Self.setName {
                _ = String(decoding: bytes, as: UTF8.self).withCString { setName(pthread_self(), $0) }
            }
            #else
            _ = String(decoding: bytes, as: UTF8.self).withCString { pthread_setname_np($0) }
            #endif
        }
        body()
    }
}
