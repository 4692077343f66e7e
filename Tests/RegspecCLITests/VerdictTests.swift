import Foundation
import Testing

/// The run's verdict end to end: nothing run, partial engines, float32 on the wire, checks
/// that cannot fail.
@Suite("Run verdicts end to end")
struct VerdictTests {
    func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? ""
    }

    @Test("a selection that matches nothing is a usage error, naming the selection and the suite's tags")
    func emptySelection() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 2)
        let result = try await CLI.run(["run", "specs", "--tag", "nope"], in: scratch.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("the selection --tag nope matches none of the 2 cases"))
        #expect(!result.stderr.contains("regspec <subcommand>"), "a run error, not the root command's usage")
        let filtered = try await CLI.run(["run", "specs", "--filter", "^zzz"], in: scratch.path)
        #expect(filtered.status == 2)
        #expect(filtered.stderr.contains("--filter '^zzz' matches none"))
    }

    @Test(
        "an engine without capabilities runs nothing and fails; one lacking a core capability is not conforming",
        .enabled(if: CLI.hasPython, "needs python3 for the stand-in engine"))
    func partialEngines() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 2)
        func run(announcing capabilities: String, _ extra: [String] = []) async throws -> CLI.Result {
            let engine = "python3 \(CLI.faultEngine) announce=\(capabilities) -- \(CLI.binary) serve"
            return try await CLI.run(["run", "specs", "--engine-command", engine] + extra, in: scratch.path)
        }
        let none = try await run(announcing: "")
        #expect(none.status == 1)
        #expect(none.stdout.contains("SKIP 2 cases: the engine lacks structured"))
        #expect(none.stdout.contains("FAILED: no case ran: all 2 selected cases were skipped"))
        #expect(lastLine(none.stdout) == "0 passed, 0 failed, 0 errored, 2 skipped")

        // Every case it ran passed, yet it lacks async: not conforming.
        let noAsync = try await run(announcing: "structured,legacy,error_kinds,future")
        #expect(noAsync.status == 1)
        #expect(noAsync.stdout.contains("FAILED: engine regspec-reference lacks the core capability async"))
        #expect(lastLine(noAsync.stdout) == "2 passed, 0 failed, 0 errored, 0 skipped")
        for extra in [["--allow-partial-engine"], ["--filter", "case"]] {
            let allowed = try await run(announcing: "structured,legacy,error_kinds,future", extra)
            #expect(allowed.status == 0, "\(extra)")
            #expect(allowed.stdout.contains("note: engine regspec-reference lacks the core capability async"))
        }
        // Section 12 options may be missing.
        let core = try await run(announcing: "structured,legacy,async,error_kinds,future")
        #expect(core.status == 0)
    }

    @Test(
        "weights labelled float32 that are not float32 values fail every case that sends them",
        .enabled(if: CLI.hasPython, "needs python3 for the stand-in engine"))
    func float64Weights() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 2)
        let engine = "python3 \(CLI.faultEngine) float64-weights -- \(CLI.binary) serve"
        let result = try await CLI.run(["run", "specs", "--engine-command", engine], in: scratch.path)
        #expect(result.status == 1)
        #expect(result.stdout.contains("requests.backward[0].data[0].loss_fn_inputs.weights: labelled float32 but 2 of 2 values are not float32 values: [0] = -0.5000000000004547"))
        #expect(lastLine(result.stdout) == "0 passed, 2 failed, 0 errored, 0 skipped")
    }

    @Test("validate warns where a check cannot tell a value from 0; --strict fails; run warns")
    func insensitiveChecks() async throws {
        let scratch = try Scratch()
        // By hand: sum of [-1, -2] = -3; weight 1e-9 -> contribution -3e-9, within atol 1e-6 of 0.
        try scratch.write("specs/tiny.yaml", """
            suite: tiny
            cases:
              - id: tiny/weight
                summary: a tiny weight
                covers: {rules: [composition.contribution]}
                data: [{tokens: [1, 2], targets: [2, 3], logprobs: [-1.0, -2.0]}]
                call: {regularizers: [{name: total, weight: 1.0e-9, fn: sum}]}
                expect: {metrics: {loss_total: -3.0e-9}, gradient: [[1.0e-9, 1.0e-9]]}

            """)
        let validate = try await CLI.run(["validate", "specs"], in: scratch.path)
        #expect(validate.status == 0)
        #expect(validate.stderr.contains("specs/tiny.yaml:8:36: warning: case 'tiny/weight': metrics.loss_total expects -3e-09"))
        #expect(validate.stderr.contains("{fields: {metrics.loss_total: {atol: 3.0e-12}}}"))
        #expect(validate.stderr.contains("gradient[0] has 2 expected non-zero value(s) within their allowed difference of 0"))
        #expect(validate.stdout.contains("no problems, 2 warnings"))
        let strict = try await CLI.run(["validate", "--strict", "specs"], in: scratch.path)
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("2 warnings, treated as errors (--strict)"))
        let run = try await CLI.run(["run", "specs"], in: scratch.path)
        #expect(run.status == 0)
        #expect(run.stderr.contains("warning: case 'tiny/weight'"))
    }

    @Test("validate --strict flags a check whose allowed difference is infinite")
    func infiniteAllowance() async throws {
        let scratch = try Scratch()
        // rtol 10 at |expected| 1e308: 10 * 1e308 overflows, so any finite loss_total would pass.
        try scratch.write("specs/loose.yaml", """
            suite: loose
            cases:
              - id: loose/overflowing-rtol
                summary: an rtol that overflows at a huge expected value
                covers: {rules: [composition.contribution]}
                data: [{tokens: [1, 2], targets: [2, 3], logprobs: [-1.0, -2.0]}]
                call: {regularizers: [{name: total, weight: 1.0, fn: sum}]}
                expect: {metrics: {loss_total: 1.0e+308}, tolerance: {rtol: 10}}

            """)
        let strict = try await CLI.run(["validate", "--strict", "specs"], in: scratch.path)
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("metrics.loss_total expects 1e+308, but its allowed difference is infinite"), "\(strict.stderr)")
    }

    @Test("an infinite expected gradient fails a finite one, in process and through serve, even at zero tolerance")
    func infiniteExpectedGradient() async throws {
        let scratch = try Scratch()
        // By hand: d(sum)/d(lp) = [1, 1]; [inf, -inf] is wrong in both elements.
        try scratch.write("specs/inf.yaml", """
            suite: inf
            cases:
              - id: inf/gradient
                summary: the true gradient [1, 1] expected as [inf, -inf]
                covers: {rules: [gradient.composed]}
                data: [{tokens: [1, 2], targets: [2, 3], logprobs: [-0.5, -0.25]}]
                call: {regularizers: [{name: s, weight: 1.0, fn: sum}]}
                expect: {gradient: [[.inf, -.inf]], tolerance: {rtol: 0, atol: 0}}

            """)
        for engine in [[], ["--engine-command", "\(CLI.binary) serve"]] {
            let result = try await CLI.run(["run", "specs"] + engine, in: scratch.path)
            #expect(result.status == 1, "\(engine): \(result.stdout)")
            #expect(result.stdout.contains("gradient[0]: mismatched elements: 2 / 2"), "\(result.stdout)")
            #expect(result.stdout.contains("an infinite expectation matches only the same infinity"))
        }
    }

    @Test(
        "a zero gradient fails the shipped tiny-weight case, which sets atol below its values",
        .enabled(if: CLI.hasPython, "needs python3 for the stand-in engine"))
    func tinyWeightCase() async throws {
        let engine = "python3 \(CLI.faultEngine) zero-weights -- \(CLI.binary) serve"
        let result = try await CLI.run(["run", "specs", "--case", "gradients/tiny-weight-still-checked", "--engine-command", engine])
        #expect(result.status == 1)
        #expect(result.stdout.contains("gradient[0]: mismatched elements: 2 / 2"))
    }

    @Test("the shipped suite has no check that cannot fail")
    func shippedSuiteIsStrictClean() async throws {
        let result = try await CLI.run(["validate", "--strict", "specs"])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
