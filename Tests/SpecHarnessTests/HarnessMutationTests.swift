#if REGSPEC_FAULTS
import Testing
import TinkerWire
@testable import SpecHarness

/// The harness checked as the reference is: each `HarnessFault` breaks one of its checks, and
/// at least one negative control (a wrong input the check must reject) must notice. A fault
/// no control notices is a check that could break with every test green.
@Suite("Harness mutation score")
struct HarnessMutationTests {
    /// A negative control: true when the check rejects the wrong input (and, where it says,
    /// accepts the right one).
    struct Control: Sendable {
        let name: String
        let holds: @Sendable () throws -> Bool
    }

    static let controls: [Control] = [
        Control(name: "tolerance boundary, both sides") {
            let tolerance = Tolerance(relative: 1e-3, absolute: 1e-2)  // allowance at 10: 0.02
            return tolerance.accepts(10.0199, expected: 10) && !tolerance.accepts(10.0201, expected: 10)
                && tolerance.accepts(9.9801, expected: 10) && !tolerance.accepts(9.9799, expected: 10)
        },
        Control(name: "rtol scales the expected value, not the actual") {
            !Tolerance(relative: 1, absolute: 0).accepts(100, expected: 1)
        },
        Control(name: "an infinity matches only itself") {
            let loose = Tolerance(relative: 1, absolute: 1)
            return loose.accepts(.infinity, expected: .infinity) && !loose.accepts(1, expected: .infinity)
                && !loose.accepts(-.infinity, expected: .infinity)
        },
        Control(name: "NaN matches NaN only under equal_nan") {
            !Tolerance().accepts(.nan, expected: .nan) && Tolerance(equalNaN: true).accepts(.nan, expected: .nan)
        },
        Control(name: "an infinite expected gradient fails a finite one") {
            let checker = CaseCheckerTests()
            let specCase = try checker.exampleCase(expect: "expect:\n      gradient: [[.inf, -.inf]]")
            return CaseChecker(specCase).check(checker.correctObservation(of: specCase)).map(\.path) == ["gradient[0]"]
        },
        Control(name: "an absent path that is present fails") {
            let checker = CaseCheckerTests()
            let specCase = try checker.exampleCase(expect: "expect:\n      absent: [debug_flag]")
            var metrics = checker.metrics(custom: [:])
            metrics = Metrics(ScalarKeyedDictionary(uniqueKeysWithValues: metrics.map { ($0.key, $0.value) } + [("debug_flag", .number(1))]))
            return CaseChecker(specCase).check(checker.correctObservation(of: specCase, metrics: metrics)).map(\.path) == ["metrics.debug_flag"]
        },
        Control(name: "an extra regularizer entry fails") {
            let checker = CaseCheckerTests()
            let specCase = try checker.exampleCase()
            let entry: Metrics = ["value": .number(-3), "weight": .number(0.5), "contribution": .number(-1.5), "custom": .object([:])]
            let metrics: Metrics = [
                "loss_total": .number(-1.5), "regularizers": .object(["total": .object(entry), "extra": .object(entry)]),
                "regularizer_total": .number(-1.5),
            ]
            return CaseChecker(specCase).check(checker.correctObservation(of: specCase, metrics: metrics)).contains { $0.path == "metrics.regularizers" }
        },
        Control(name: "a custom metric leaked into another fn's map fails") {
            let checker = CaseCheckerTests()
            let specCase = try checker.exampleCase()
            let observation = checker.correctObservation(of: specCase, metrics: checker.metrics(custom: ["theirs": .number(1)]))
            return CaseChecker(specCase).check(observation).contains { $0.path == "metrics.regularizers.total.custom" }
        },
        Control(name: "a contribution not multiplied by its weight fails") {
            let checker = CaseCheckerTests()
            let specCase = try checker.exampleCase(expect: "expect:\n      requests: {forward: 1, backward: 1}")
            let entry: Metrics = ["value": .number(-3), "weight": .number(0.5), "contribution": .number(-3), "custom": .object([:])]
            let metrics: Metrics = ["loss_total": .number(-3), "regularizers": .object(["total": .object(entry)]), "regularizer_total": .number(-3)]
            return CaseChecker(specCase).check(checker.correctObservation(of: specCase, metrics: metrics)).map(\.path)
                == ["metrics.regularizers.total.contribution"]
        },
        Control(name: "stated request counts are checked") {
            let checker = CaseCheckerTests()
            let specCase = try checker.exampleCase(expect: "expect:\n      error: {kind: loss_fn_failed}\n      requests: {forward: 1, backward: 0}")
            var observation = checker.correctObservation(of: specCase)
            observation.outcome = .failure(ObservedError(kind: "loss_fn_failed", label: "total", message: "boom", type: nil))
            observation.backwardRequests = []
            observation.forwardRequests = []
            return CaseChecker(specCase).check(observation).map(\.path) == ["requests.forward"]
        },
        Control(name: "a wrong error kind fails") {
            let checker = CaseCheckerTests()
            let specCase = try checker.exampleCase(expect: "expect:\n      error: {kind: loss_fn_failed}")
            var observation = checker.correctObservation(of: specCase)
            observation.outcome = .failure(ObservedError(kind: "invalid_metrics", label: "total", message: "bad", type: nil))
            observation.backwardRequests = []
            return CaseChecker(specCase).check(observation).map(\.path) == ["error.kind"]
        },
        Control(name: "2 of 3 shards do not pass as the whole selection") {
            let merge = ReportMergeTests()
            let ids = ["a/x", "a/y", "a/z"]
            let partial = try ReportMerge.shards([merge.shard("1/3", of: ids, ["a/x"]), merge.shard("2/3", of: ids, ["a/y"])])
            return !partial.succeeded
        },
        Control(name: "shard reports of different suites are refused") {
            let merge = ReportMergeTests()
            do {
                _ = try ReportMerge.shards([merge.report("e", [("a/x", 0, .passed)]), merge.report("e", hash: "sha256:bb", [("a/y", 1, .passed)])])
                return false
            } catch {
                return true
            }
        },
    ]

    /// The names of the controls that do not hold with `fault` switched on.
    static func failingControls(under fault: HarnessFault?) -> [String] {
        HarnessFault.injecting(fault) {
            controls.filter { control in !((try? control.holds()) ?? false) }.map(\.name)
        }
    }

    @Test("every negative control holds on the unbroken harness")
    func controlsHold() {
        #expect(Self.failingControls(under: nil) == [])
    }

    @Test("every harness fault is caught by a negative control")
    func everyFaultCaught() {
        var rows: [String] = []
        var survivors: [HarnessFault] = []
        for fault in HarnessFault.allCases {
            let caughtBy = Self.failingControls(under: fault)
            if caughtBy.isEmpty { survivors.append(fault) }
            rows.append("\(fault.rawValue.padding(toLength: 34, withPad: " ", startingAt: 0)) "
                + (caughtBy.isEmpty ? "SURVIVED: \(fault.summary)" : "\(caughtBy.count): " + caughtBy.joined(separator: "; ")))
        }
        let caught = HarnessFault.allCases.count - survivors.count
        print("Harness mutation score: \(caught) of \(HarnessFault.allCases.count) faults caught by \(Self.controls.count) negative controls")
        print(rows.joined(separator: "\n"))
        #expect(survivors.isEmpty, "survivors: \(survivors.map(\.rawValue))")
    }
}
#endif
