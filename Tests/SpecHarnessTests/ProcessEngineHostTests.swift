// Linux: the checks read /proc and prctl.
#if os(Linux)
import Glibc
import Foundation
import Testing
import SpecTestSupport
@testable import SpecHarness

/// What a process engine does to the process that hosts it: nothing process-wide, nothing
/// inherited, and nothing left running once its scope ends.
@Suite("A process engine in its host", .serialized)
struct ProcessEngineHostTests {
    /// An engine that answers `start`, records its pid, and hangs in its first case.
    private func hangingEngine(in workspace: SpecWorkspace) throws -> String {
        let script = try workspace.write("engine.sh", """
            read line
            echo '{"version": 1, "engine": {"name": "hang", "language": "sh", "version": "1", "capabilities": []}}'
            echo $$ > "\(workspace.root)/pid"
            read line
            touch "\(workspace.root)/running"
            exec sleep 1000

            """)
        return "sh \(script)"
    }

    private func waitForFile(_ path: String) async throws {
        var waited = 0
        while !FileManager.default.fileExists(atPath: path) && waited < 6000 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        try #require(FileManager.default.fileExists(atPath: path), "\(path) never appeared")
    }

    /// Whether `pid` is still there (a zombie counts) after up to 30 s of polling.
    private func stillThere(_ pid: pid_t) async -> Bool {
        for _ in 0..<600 where FileManager.default.fileExists(atPath: "/proc/\(pid)") || kill(pid, 0) == 0 {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return kill(pid, 0) == 0
    }

    /// Regression: a session that was cancelled (a signal) while its engine sat idle between
    /// cases never shut the engine down. (One hung in a case is killed by the case's own end.)
    @Test("a cancelled session shuts its engine down")
    func cancelledSession() async throws {
        let workspace = try SpecWorkspace()
        let engine = ProcessEngine(command: try hangingEngine(in: workspace), caseTimeout: .seconds(3600))
        let described = workspace.root + "/described"
        let (ended, reached) = await withTaskGroup(of: String.self) { group in
            group.addTask {
                do {
                    return try await withEngine(engine) { engine in
                        _ = try await engine.describe()
                        _ = FileManager.default.createFile(atPath: described, contents: nil)
                        // The rest of the session: the reference computing, the next case coming.
                        try await Task.sleep(for: .seconds(3600))
                        return "the session finished"
                    }
                } catch {
                    return "threw"
                }
            }
            let reached = (try? await waitForFile(described)) != nil
            group.cancelAll()
            return (await group.next() ?? "nothing", reached)
        }
        #expect(reached, "the engine never started")
        #expect(ended == "threw")
        let pid = try #require(pid_t(try String(contentsOfFile: workspace.root + "/pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await !stillThere(pid), "the engine \(pid) outlived its session")
    }

    @Test("a session that ends normally or throws shuts its engine down too")
    func endedSession() async throws {
        let workspace = try SpecWorkspace()
        let engine = ProcessEngine(command: try hangingEngine(in: workspace), caseTimeout: .seconds(3600))
        struct Planted: Error {}
        await #expect(throws: Planted.self) {
            try await withEngine(engine) { engine in
                _ = try await engine.describe()
                throw Planted()
            }
        }
        let pid = try #require(pid_t(try String(contentsOfFile: workspace.root + "/pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await !stillThere(pid), "the engine \(pid) outlived its session")
        #expect(await engine.workersStarted == 1)
    }

    /// Regression: an engine inherited every descriptor its host had not marked close-on-exec.
    @Test("an engine inherits no descriptor of its host beyond its three streams")
    func noInheritedDescriptors() async throws {
        let workspace = try SpecWorkspace()
        // An embedder's pipe, left inheritable as `pipe(2)` makes it.
        var hostPipe: [Int32] = [-1, -1]
        try #require(pipe(&hostPipe) == 0)
        defer { for fd in hostPipe { close(fd) } }
        #expect(fcntl(hostPipe[0], F_GETFD) & FD_CLOEXEC == 0, "the control: the host's pipe is inheritable")
        let listing = workspace.root + "/fds"
        let engine = ProcessEngine(command: "ls /proc/self/fd > \(listing)", caseTimeout: .seconds(30))
        await withEngine(engine) { engine in _ = try? await engine.describe() }
        try await waitForFile(listing)
        let inherited = Set(try String(contentsOfFile: listing, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) })
        // ls holds 0, 1, 2 and the directory it lists; anything else came from the host.
        #expect(inherited.count <= 4, "the engine holds \(inherited.sorted())")
        #expect(inherited.isDisjoint(with: hostPipe), "the engine inherited the host's pipe \(hostPipe): \(inherited.sorted())")
    }

    /// Regression: creating a ProcessEngine ignored SIGPIPE for the whole host, and spawning one
    /// made the host the subreaper of its descendants.
    @Test("a process engine leaves the host's SIGPIPE disposition and subreaper setting alone")
    func processWideSettingsUntouched() async throws {
        let original = signal(SIGPIPE, SIG_DFL)
        defer { signal(SIGPIPE, original) }
        let subreaperBefore = childSubreaper()
        let engine = ProcessEngine(command: "true", caseTimeout: .seconds(30))
        await withEngine(engine) { engine in _ = try? await engine.describe() }
        #expect(pipeDisposition() == 0, "SIGPIPE is no longer at its default (SIG_IGN is 1): \(pipeDisposition())")
        #expect(childSubreaper() == subreaperBefore)
    }

    /// With SIGPIPE at its default, writing to an engine that closed its stdin must end the
    /// write with an error: a SIGPIPE reaching the host would kill it (and this test run).
    @Test("writing to an engine that closed its stdin is an error, never a SIGPIPE in the host")
    func brokenPipeWithDefaultSIGPIPE() async throws {
        let original = signal(SIGPIPE, SIG_DFL)
        defer { signal(SIGPIPE, original) }
        let process = try SpawnedProcess.spawn("sleep 1000 0<&-")
        defer { process.killGroup() }
        // Once the engine has closed its end, no reader is left.
        for _ in 0..<600 where FileManager.default.fileExists(atPath: "/proc/\(process.pid)/fd/0") {
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(!FileManager.default.fileExists(atPath: "/proc/\(process.pid)/fd/0"))
        // A process another test is spawning at this moment holds every pipe end between its
        // fork and its exec, so one write may still find a reader: write until none is left.
        var failure: PipeWriter.Failure?
        for _ in 0..<600 where failure == nil {
            do {
                try await PipeWriter.write(Array("{}\n".utf8), to: process, timeout: .seconds(30))
            } catch {
                failure = error
            }
            if failure == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(failure == .broken(String(cString: strerror(EPIPE))))
        var pending = sigset_t()
        sigpending(&pending)
        #expect(sigismember(&pending, SIGPIPE) == 0, "a SIGPIPE was left pending")
    }

    /// The host's SIGPIPE handler as a number: 0 for SIG_DFL, 1 for SIG_IGN.
    private func pipeDisposition() -> Int {
        var action = sigaction()
        sigaction(SIGPIPE, nil, &action)
        return unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self)
    }

    /// `prctl(PR_GET_CHILD_SUBREAPER)`: 1 when this process is the subreaper of its descendants.
    private func childSubreaper() -> Int32 {
        typealias Prctl = @convention(c) (Int32, UnsafeMutablePointer<Int32>, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(nil, "prctl") else { return -1 }
        var value: Int32 = -1
        let getChildSubreaper: Int32 = 37
        _ = unsafeBitCast(symbol, to: Prctl.self)(getChildSubreaper, &value, 0, 0, 0)
        return value
    }
}
#endif
