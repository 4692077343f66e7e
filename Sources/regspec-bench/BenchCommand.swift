import ArgumentParser
import Foundation

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regspec-bench",
        abstract: "Measure how fast the suite runs and how the reference scales.",
        discussion: """
            Prints a table and, with --output, writes the same figures as JSON. Every comparison is
            a ratio against a baseline measured in the same process. Build in release mode:
              swift run -c release regspec-bench --output bench-results.json
            """)

    @Option(help: ArgumentHelp("The spec files whose cases measure suite throughput.", valueName: "dir"))
    var specs = "specs"

    @Option(help: ArgumentHelp("Write the figures as JSON to this file.", valueName: "file"))
    var output: String?

    @Flag(help: "Smaller sizes and fewer repetitions, to check that the benchmark runs.")
    var quick = false

    @Option(help: ArgumentHelp("Run only these groups: throughput, compute, async, loading (repeatable).", valueName: "group"))
    var only: [String] = []

    func validate() throws {
        let groups = ["throughput", "compute", "async", "loading"]
        if let unknown = only.first(where: { !groups.contains($0) }) {
            throw ValidationError("unknown group '\(unknown)'; groups: \(groups.joined(separator: ", "))")
        }
    }

    private func wanted(_ group: String) -> Bool { only.isEmpty || only.contains(group) }

    func run() async throws {
        var records: [BenchRecord] = []
        if wanted("throughput") { records += try await SuiteThroughput(specs: specs, quick: quick).measure() }
        if wanted("compute") { records += try await ReferenceCompute(quick: quick).measure() }
        if wanted("async") { records += try await AsyncConcurrency().measure() }
        if wanted("loading") { records += try SpecLoading(quick: quick).measure() }
        records.append(BenchRecord(
            group: "memory", name: "peak resident memory of this process", value: Double(PeakMemory.residentBytes()) / 1_048_576,
            unit: "MiB", note: "after every benchmark above"))
        print(BenchRecord.table(records))
        if let output {
            try BenchRecord.json(records).write(toFile: output, atomically: true, encoding: .utf8)
            print("wrote \(output)")
        }
    }
}
