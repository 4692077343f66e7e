import Foundation

/// PyTorch timing the same structured call, in a Python process kept for the whole run.
///
/// `bench/compare_torch.py --serve` answers one size per request, so the benchmark can time
/// PyTorch right after timing Swift on the same size: both see the same machine load, and
/// the ratio comes from one invocation.
final class TorchComparison {
    /// What was used, for the table: torch version, threads, interpreter.
    private(set) var summary = ""
    private let process: Process
    private let requests: FileHandle
    private let replies: FileHandle
    private var pending: [UInt8] = []

    /// The interpreter to use: `--python`, else `REGSPEC_PYTHON`, else the project's venv at
    /// `~/.cache/regspec/python-venv`, else `python3` on the PATH.
    static func interpreter(option: String?) -> String {
        if let option { return option }
        if let variable = ProcessInfo.processInfo.environment["REGSPEC_PYTHON"], !variable.isEmpty { return variable }
        let venv = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/regspec/python-venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
    }

    /// Starts the Python side, or says why PyTorch cannot be compared.
    static func start(python: String, script: String) -> Result<TorchComparison, ValidationFailure> {
        guard FileManager.default.fileExists(atPath: script) else {
            return .failure(ValidationFailure("no \(script) here; run from the package root"))
        }
        do {
            let comparison = try TorchComparison(python: python, script: script)
            return .success(comparison)
        } catch let failure as ValidationFailure {
            return .failure(failure.description.hasPrefix(python) ? failure : ValidationFailure("\(python): \(failure.description)"))
        } catch {
            return .failure(ValidationFailure("cannot start \(python): \(error)"))
        }
    }

    private init(python: String, script: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, "--serve"]
        var environment = ProcessInfo.processInfo.environment
        // One thread, however torch is built: OpenMP and MKL read these before torch starts.
        environment["OMP_NUM_THREADS"] = "1"
        environment["MKL_NUM_THREADS"] = "1"
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        requests = input.fileHandleForWriting
        replies = output.fileHandleForReading
        let hello = try readReply()
        if let error = hello["error"] as? String {
            stop()
            throw ValidationFailure("\(python): \(error)")
        }
        guard let version = hello["torch"] as? String else {
            stop()
            throw ValidationFailure("\(python) \(script) --serve did not announce torch")
        }
        let threads = hello["threads"] as? Int ?? 0
        summary = "PyTorch \(version), \(threads) thread\(threads == 1 ? "" : "s"), \(python)"
    }

    /// The ways the Python side computes the call (bench/compare_torch.py).
    enum Variant: String, CaseIterable {
        /// Autograd with one leaf per datum and a Python loop over the datums: the bench's call.
        case bench
        /// Autograd over one [B, T] leaf, no Python loop.
        case flat
        /// The hand-derived gradient as whole-tensor operations, no autograd.
        case analytic
    }

    /// The median seconds of `repetitions` PyTorch calls on a `datums x tokens` batch.
    func median(datums: Int, tokens: Int, repetitions: Int, variant: Variant = .bench) throws -> Double {
        try requests.write(contentsOf: Data("\(datums) \(tokens) \(repetitions) \(variant.rawValue)\n".utf8))
        let reply = try readReply()
        guard let seconds = reply["seconds"] as? Double else {
            throw ValidationFailure("PyTorch side: \(reply["error"] as? String ?? "no timing in its reply")")
        }
        return seconds
    }

    func stop() {
        try? requests.close()
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// One JSON object line from the Python side.
    private func readReply() throws -> [String: Any] {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = Data(pending[..<newline])
                pending.removeFirst(newline + 1)
                guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                    throw ValidationFailure("PyTorch side wrote a line that is not a JSON object: \(String(decoding: line, as: UTF8.self).prefix(200))")
                }
                return object
            }
            let chunk = replies.availableData
            if chunk.isEmpty { throw ValidationFailure("exited before answering (is it a Python with torch? set --python or REGSPEC_PYTHON)") }
            pending.append(contentsOf: chunk)
        }
    }
}
