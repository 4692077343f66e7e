import Foundation
import MallocInterposerSwift

/// Mallocs and requested bytes of one piece of work.
struct AllocationCount: Codable {
    var allocations: Int
    var bytes: Int
}

/// Counts allocations with ordo-one's malloc interposer.
///
/// The interposer counts only when its library's `malloc` is the one the process calls:
/// when it is preloaded (`LD_PRELOAD`), or, on Linux, when the linker put it before libc.
/// `isActive` checks which, and the benchmark reruns itself with it preloaded when needed.
enum AllocationCounter {
    /// The interposer's shared library, beside this executable.
    static var libraryPath: String {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        #if os(macOS)
        return directory.appendingPathComponent("libMallocInterposerSwift.dylib").path
        #else
        return directory.appendingPathComponent("libMallocInterposerSwift.so").path
        #endif
    }

    /// True when counting sees this process's allocations.
    static var isActive: Bool {
        let counted = count { blackHole(Double(Data(count: 1000 + Int.random(in: 0..<10)).count)) }
        return counted.allocations > 0
    }

    /// The allocations made while `body` runs, on any thread.
    static func count(_ body: () throws -> Void) rethrows -> AllocationCount {
        MallocInterposerSwift.initialize()
        MallocInterposerSwift.hook()
        try body()
        MallocInterposerSwift.unhook()
        let statistics = MallocInterposerSwift.getStatistics()
        return AllocationCount(allocations: Int(statistics.mallocCount), bytes: Int(statistics.mallocBytesCount))
    }

    /// The allocations made while `body` runs, on any thread.
    static func count(_ body: () async throws -> Void) async rethrows -> AllocationCount {
        MallocInterposerSwift.initialize()
        MallocInterposerSwift.hook()
        try await body()
        MallocInterposerSwift.unhook()
        let statistics = MallocInterposerSwift.getStatistics()
        return AllocationCount(allocations: Int(statistics.mallocCount), bytes: Int(statistics.mallocBytesCount))
    }
}
