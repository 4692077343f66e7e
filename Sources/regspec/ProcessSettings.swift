#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process-wide settings of the `regspec` executable, made once at startup. They belong to
/// the executable, not to SpecHarness: a library an embedder links must not change how the
/// embedder's whole process treats signals or orphans.
enum ProcessSettings {
    /// Ignores SIGPIPE, so that a reader gone away (`regspec list | head`) ends a write with
    /// an error instead of killing the run; and makes this process the subreaper of its
    /// descendants (Linux), so that a helper whose engine died is handed to regspec, which
    /// kills and reaps each engine's whole process group, rather than to an init that may
    /// never reap it.
    static func apply() {
        signal(SIGPIPE, SIG_IGN)
        #if os(Linux)
        // Swift cannot call prctl, a variadic C function, directly. On Linux's calling
        // conventions integer arguments travel the same way to a variadic function as to a
        // fixed one, so it is looked up with dlsym (RTLD_DEFAULT is nil on glibc) and called
        // through a fixed five-argument signature.
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        if let symbol = dlsym(nil, "prctl") {
            let prctl = unsafeBitCast(symbol, to: Prctl.self)
            let setChildSubreaper: Int32 = 36
            _ = prctl(setChildSubreaper, 1, 0, 0, 0)
        }
        #endif
    }
}
