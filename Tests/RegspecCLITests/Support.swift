import Foundation
import Testing

/// Paths and process helpers for tests that run the built `regspec` binary.
enum CLI {
    /// The package root, from this file's place in it.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The `regspec` binary built beside the test bundle.
    static let binary: String = {
        let besideTests = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("regspec").path
        if FileManager.default.isExecutableFile(atPath: besideTests) { return besideTests }
        return packageRoot + "/.build/debug/regspec"
    }()

    static let faultEngine = packageRoot + "/Tests/RegspecCLITests/Fixtures/fault_engine.py"
    static let hostileEngine = packageRoot + "/Tests/RegspecCLITests/Fixtures/hostile_engine.py"
    static let peakMemory = packageRoot + "/Tests/RegspecCLITests/Fixtures/peak_memory.py"

    static var hasPython: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
            || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/python3")
            || (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
                .contains { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts `regspec` with `arguments` in `directory`; await its `outcome()`.
    static func start(_ arguments: [String], in directory: String = packageRoot, environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(binary, arguments, in: directory, environment: environment)
    }

    /// Runs `regspec` and awaits it without holding a thread of the cooperative pool.
    static func outcome(of arguments: [String], in directory: String = packageRoot, environment: [String: String] = [:]) async throws -> ChildProcess.Outcome {
        try await start(arguments, in: directory, environment: environment).outcome()
    }

    /// Runs `regspec` with `arguments` in `directory` and awaits it without holding a thread
    /// of the cooperative pool (a blocking wait there starves every test running beside it).
    static func run(_ arguments: [String], in directory: String = packageRoot, environment: [String: String] = [:]) async throws -> Result {
        let outcome = try await outcome(of: arguments, in: directory, environment: environment)
        return Result(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
    }
}

/// A scratch folder for one test.
final class Scratch {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "regspec-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path + "/specs", withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ relativePath: String, _ text: String) throws {
        try text.write(toFile: path + "/" + relativePath, atomically: true, encoding: .utf8)
    }

    /// A suite of `count` passing cases `fault/case-0` ... in one file.
    func writePassingSuite(count: Int) throws {
        var text = "suite: fault\ncases:\n"
        for index in 0..<count {
            // By hand: sum of [-1, -2] = -3; weight 0.5 -> contribution -1.5 = loss_total.
            text += """
                  - id: fault/case-\(index)
                    summary: case \(index)
                    covers: {rules: [composition.contribution]}
                    data: [{tokens: [1, 2], targets: [2, 3], logprobs: [-1.0, -2.0]}]
                    call: {regularizers: [{name: total, weight: 0.5, fn: sum}]}
                    expect: {metrics: {loss_total: -1.5}, gradient: [[0.5, 0.5]]}

                """
        }
        try write("specs/fault.yaml", text)
    }
}
