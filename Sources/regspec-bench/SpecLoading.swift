import Foundation
import SpecHarness

/// Loading spec files with large inline arrays: megabytes per second and peak memory.
struct SpecLoading {
    let quick: Bool

    func measure() throws -> [BenchRecord] {
        let group = "4. loading spec files with large inline arrays"
        let folder = NSTemporaryDirectory() + "regspec-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/specs", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var records: [BenchRecord] = []
        for megabytes in quick ? [1] : [1, 10, 50] {
            let path = folder + "/specs/large-\(megabytes).yaml"
            let text = Self.specText(bytes: megabytes << 20)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let size = Double(text.utf8.count) / 1_048_576
            let clock = ContinuousClock()
            let start = clock.now
            let suite = SpecLoader().load(paths: [path])
            let elapsed = clock.now - start
            guard suite.diagnostics.isEmpty, suite.cases.count == 1 else {
                throw ValidationFailure("the generated \(megabytes) MB spec does not load: \(suite.diagnostics.first.map { "\($0)" } ?? "")")
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            records.append(BenchRecord(
                group: group, name: String(format: "%.1f MB of YAML", size), value: size / seconds, unit: "MB/s",
                note: String(format: "%.2f s; peak RSS so far %.0f MiB", seconds, Double(PeakMemory.residentBytes()) / 1_048_576)))
        }
        return records
    }

    /// One case whose single datum has as many tokens as fit in `bytes` of YAML.
    static func specText(bytes: Int) -> String {
        let tokens = max(1, bytes / 24)
        var tokenList = "", targetList = "", logprobList = ""
        tokenList.reserveCapacity(tokens * 5)
        targetList.reserveCapacity(tokens * 5)
        logprobList.reserveCapacity(tokens * 12)
        for index in 0..<tokens {
            let separator = index == 0 ? "" : ", "
            tokenList += separator + String(index % 1000)
            targetList += separator + String((index + 1) % 1000)
            logprobList += separator + String(format: "%.6f", -0.01 - Double(index % 997) / 200)
        }
        return """
            suite: large
            cases:
              - id: large/one
                summary: a datum with \(tokens) tokens
                covers: {rules: [forward.single-pass]}
                data:
                  - tokens: [\(tokenList)]
                    targets: [\(targetList)]
                    logprobs: [\(logprobList)]
                call: {regularizers: [{name: total, weight: 1.0, fn: sum}]}
                expect: {requests: {forward: 1, backward: 1}}

            """
    }
}
