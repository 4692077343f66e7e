// docs/embedding.md shows this file verbatim: change both together.
import ReferenceEngine
import RegSpecSuite
import SpecHarness
import Testing

/// The shipped suite (specs/ and fixtures/, compiled into `RegSpecSuite`), loaded once.
let conformanceSuite: (cases: [SpecCase], problems: [String]) = {
    do {
        let loaded = SpecLoader().load(paths: [try BundledSuite.specsDirectory()])
        return (loaded.cases, loaded.diagnostics.map(\.description))
    } catch {
        return ([], ["\(error)"])
    }
}()

/// Your implementation behind the `Engine` protocol: take the case's data (what the backend
/// serves) and call, make the call on your client, and report what happened. This one hands
/// each case to the Swift reference, so the example passes as shipped.
struct MyClientEngine: Engine {
    let reference = ReferenceEngine()

    func describe() async throws -> EngineDescription {
        // The capabilities you declare decide which cases run; the rest are skipped.
        EngineDescription(name: "my-client", language: "swift", version: "1.0", capabilities: Set(Capability.all))
    }

    func run(_ input: CaseInput) async throws -> Observation {
        await reference.run(input)
    }
}

let engineUnderTest: any Engine = MyClientEngine()

@Suite("RegSpec conformance")
struct ConformanceTests {
    @Test("the suite loads")
    func suiteLoads() {
        #expect(conformanceSuite.problems.isEmpty, "\(conformanceSuite.problems)")
        #expect(!conformanceSuite.cases.isEmpty)
    }

    /// One test per case, named by its id; a failure lists every mismatch. One case at a time
    /// (`.serialized`), so each case's timeout measures that case, not the wait behind the others.
    @Test("case", .serialized, arguments: conformanceSuite.cases)
    func conforms(_ specCase: SpecCase) async throws {
        let description = try await engineUnderTest.describe()
        let report = await SuiteRunner(engine: engineUnderTest).run([specCase], description: description)
        let result = try #require(report.results.first)
        switch result.outcome {
        case .passed:
            break
        case .skipped(let reason):
            // A case needing a capability the engine does not declare is not run.
            print("\(specCase.id) skipped: \(reason)")
        case .failed(let mismatches):
            Issue.record("\(specCase.location): \(mismatches.map(\.description).joined(separator: "\n"))")
        case .errored(let message):
            Issue.record("\(specCase.location): the engine broke: \(message)")
        }
    }
}
