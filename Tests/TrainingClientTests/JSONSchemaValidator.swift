import Foundation
import Testing
import TinkerWire

/// Validates JSON documents against `docs/schema/metrics.schema.json` with Python's
/// `jsonschema` package (draft 2020-12), run as a subprocess.
enum JSONSchemaValidator {
    /// `<package>/docs/schema/metrics.schema.json`, found from this file's location.
    static let metricsSchema = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TrainingClientTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("docs/schema/metrics.schema.json")

    /// True when `python3` runs and can import `jsonschema`.
    static let isAvailable: Bool = {
        guard let result = try? run(["-c", "import jsonschema"], input: Data()) else { return false }
        return result.status == 0
    }()

    /// Checks the schema itself, then validates `document`; the output lists each violation.
    private static let script = """
        import json, sys
        import jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        document = json.load(sys.stdin)
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors:
            print("/".join(str(p) for p in error.absolute_path) or "<root>", ":", error.message)
        sys.exit(1 if errors else 0)
        """

    /// The violations of `document` (empty when it is valid).
    static func violations(of document: Data, schema: URL = metricsSchema) async throws -> [String] {
        let result = try await runWithoutBlocking(["-c", script, schema.path], input: document)
        let lines = result.output.split(separator: "\n").map(String.init)
        switch result.status {
        case 0: return []
        case 1 where !lines.isEmpty: return lines
        default: throw ValidatorFailure(status: result.status, output: result.output)
        }
    }

    struct ValidatorFailure: Error, CustomStringConvertible {
        let status: Int32
        let output: String
        var description: String { "python3 exited with \(status): \(output)" }
    }

    /// Waits for the subprocess without holding a concurrency thread, which other tests need.
    private static func runWithoutBlocking(_ arguments: [String], input: Data) async throws -> (status: Int32, output: String) {
        let (process, stdin, stdout) = makeProcess(arguments)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            // Set before the process starts, so its end cannot be missed.
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        // The outputs are a few lines, well within a pipe's buffer, so reading after exit is safe.
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    private static func run(_ arguments: [String], input: Data) throws -> (status: Int32, output: String) {
        let (process, stdin, stdout) = makeProcess(arguments)
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// `python3 arguments` with pipes for its input and its combined output.
    private static func makeProcess(_ arguments: [String]) -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        return (process, stdin, stdout)
    }
}
