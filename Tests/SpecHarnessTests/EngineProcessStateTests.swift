import Testing
import SpecTestSupport
@testable import SpecHarness

/// The state an engine process is in, as each step leaves it.
@Suite("An engine process's state")
struct EngineProcessStateTests {
    private func name(_ state: EngineProcess.State) -> String {
        switch state {
        case .notStarted: "not started"
        case .starting: "starting"
        case .ready: "ready"
        case .broken: "broken"
        }
    }

    @Test("not started, ready after the handshake, broken after a crash (saying why), ready again, not started once stopped")
    func lifecycle() async throws {
        let workspace = try SpecWorkspace()
        // Answers start, then exits on its first run message without answering it.
        let script = try workspace.write("engine.sh", """
            read line
            echo '{"version": 1, "engine": {"name": "crash", "language": "sh", "version": "1", "capabilities": []}}'
            read line
            exit 3

            """)
        try workspace.write("specs/case.yaml", specFile())
        let input = try #require(workspace.load("specs/case.yaml").cases.first).input
        let process = EngineProcess(command: "sh \(script)", strictProtocol: false)

        #expect(name(await process.state) == "not started")
        _ = try await process.start(timeout: .seconds(120))
        #expect(name(await process.state) == "ready")

        await #expect(throws: EngineFailure.self) {
            try await process.run(input, timeout: .seconds(120), startTimeout: .seconds(120))
        }
        guard case .broken(let why) = await process.state else {
            Issue.record("expected broken after the crash, got \(name(await process.state))")
            return
        }
        #expect(why.contains("stdout") || why.contains("exited"), "\(why)")

        _ = try await process.start(timeout: .seconds(120))
        #expect(name(await process.state) == "ready")
        await process.stop()
        #expect(name(await process.state) == "not started")
    }
}
