#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Polls without blocking, yielding the processor in between, until a descriptor is ready or
/// `window` has passed; returns what the last `poll` returned (0: nothing ready yet).
///
/// Why: a reader that sleeps in `poll` or `read` between the lines of a request/response
/// protocol pays for the sleep when the next line comes: its idle core is woken, and the
/// working set comes back from memory. Measured on a 2-core machine, `regspec serve` answering
/// the suite's cases with gaps of 20 to 40 us between an answer and the next line took 110 to
/// 170 us a case, against 50 us with no gaps or with the cores kept busy. A bounded poll keeps
/// the core awake across such a gap and costs at most `window` of one core once input stops;
/// the caller then sleeps as before, so timeouts and end-of-input handling do not change.
func pollBriefly(_ descriptors: inout [pollfd], within window: Duration) -> Int32 {
    let clock = ContinuousClock()
    let deadline = clock.now + window
    repeat {
        for index in descriptors.indices { descriptors[index].revents = 0 }
        let ready = poll(&descriptors, nfds_t(descriptors.count), 0)
        if ready != 0 { return ready }
        sched_yield()
    } while clock.now < deadline
    return 0
}
