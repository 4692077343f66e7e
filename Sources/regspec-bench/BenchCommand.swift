import ArgumentParser
import Foundation

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regspec-bench",
        abstract: "Measure how fast the suite runs and how the reference scales.",
        discussion: """
            Prints a table and, with --output, writes the same figures as JSON. Every comparison is \
            a ratio against a baseline measured in the same process, and every figure held to a \
            target says whether it is met. Build every product in release mode (the protocol \
            and explore groups run the regspec beside this binary):

              swift build -c release
              .build/release/regspec-bench --output bench-results.json
              .build/release/regspec-bench --markdown README.md   # its Benchmarks table

            The compute group times PyTorch (bench/compare_torch.py, one thread: the bench's \
            call, flat autograd and the analytic gradient) and a C loop of the same arithmetic \
            (bench/fused_call.c, built with gcc -O2 into a temporary folder) size by size between \
            its own timings, when torch is importable by the chosen Python and gcc is there.
            """)

    @Option(help: ArgumentHelp("The spec files whose cases measure suite throughput.", valueName: "dir"))
    var specs = "specs"

    @Option(help: ArgumentHelp("Write the figures as JSON to this file.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp(
        "Write the figures as a Markdown table to this file: between its regspec-bench table markers when it has them (README.md), else the whole file.",
        valueName: "file"))
    var markdown: String?

    @Flag(help: "Smaller sizes and fewer repetitions, to check that the benchmark runs.")
    var quick = false

    @Option(help: ArgumentHelp("Run only these groups: throughput, protocol, compute, async, loading, explore (repeatable).", valueName: "group"))
    var only: [String] = []

    @Option(help: ArgumentHelp("The compute group's sizes, as DATUMSxTOKENS (repeatable; default 1x16 4x256 16x1024 64x4096).", valueName: "size"))
    var size: [String] = []

    @Option(help: ArgumentHelp(
        "The Python that runs the PyTorch comparison (default: $REGSPEC_PYTHON, else ~/.cache/regspec/python-venv/bin/python, else python3).",
        valueName: "path"))
    var python: String?

    @Option(help: ArgumentHelp("Count the compute group's allocations and write them as JSON here, nothing else.", valueName: "file", visibility: .hidden))
    var countAllocationsTo: String?

    @Option(help: ArgumentHelp("Print explore's fault table (cases of seed 1 until each reference fault is found, up to this many) and nothing else.", valueName: "cases", visibility: .hidden))
    var exploreFaultTable: Int?

    func validate() throws {
        let groups = ["throughput", "protocol", "compute", "async", "loading", "explore"]
        if let unknown = only.first(where: { !groups.contains($0) }) {
            throw ValidationError("unknown group '\(unknown)'; groups: \(groups.joined(separator: ", "))")
        }
        _ = try sizes()
    }

    /// The compute sizes asked for, or nil for the default ones.
    private func sizes() throws -> [(datums: Int, tokens: Int)]? {
        guard !size.isEmpty else { return nil }
        return try size.map { text in
            let parts = text.lowercased().split(separator: "x")
            guard parts.count == 2, let datums = Int(parts[0]), let tokens = Int(parts[1]),
                (1...4096).contains(datums), (1...1_048_576).contains(tokens)
            else {
                throw ValidationError("--size \(text): expected DATUMSxTOKENS, such as 16x1024 (datums 1...4096, tokens 1...1048576)")
            }
            return (datums, tokens)
        }
    }

    private func wanted(_ group: String) -> Bool { only.isEmpty || only.contains(group) }

    func run() async throws {
        if let countAllocationsTo {
            guard AllocationCounter.isActive else {
                throw ValidationFailure("the malloc interposer is not counting in this process (is \(AllocationCounter.libraryPath) preloaded?)")
            }
            let counts = try await ReferenceCompute.countAllocations(sizes: try sizes() ?? ReferenceCompute.sizes(quick: quick))
            try JSONEncoder().encode(counts).write(to: URL(fileURLWithPath: countAllocationsTo))
            return
        }
        if let exploreFaultTable {
            #if REGSPEC_FAULTS
            print(await ExploreFaultTable.markdown(limit: max(1, exploreFaultTable)), terminator: "")
            return
            #else
            _ = exploreFaultTable
            throw ValidationError("--explore-fault-table needs the reference's seeded faults, which only debug builds have: swift run regspec-bench --explore-fault-table N")
            #endif
        }
        var records: [BenchRecord] = []
        if wanted("throughput") { records += try await SuiteThroughput(specs: specs, quick: quick).measure() }
        if wanted("protocol") { records += try await ProtocolRoundTrip(specs: specs, quick: quick).measure() }
        if wanted("compute") {
            let torch = TorchComparison.start(
                python: TorchComparison.interpreter(option: python), script: "bench/compare_torch.py")
            defer { try? torch.get().stop() }
            let sizes = try sizes() ?? ReferenceCompute.sizes(quick: quick)
            let compute = ReferenceCompute(
                sizes: sizes, quick: quick, torch: torch, cLoop: CLoopComparison.build(),
                allocations: await countAllocations(sizes: sizes))
            records += try await compute.measure()
        }
        if wanted("async") { records += try await AsyncConcurrency().measure() }
        if wanted("loading") { records += try SpecLoading(quick: quick).measure() }
        if wanted("explore") { records += try await ExploreThroughput(quick: quick).measure() }
        records.append(BenchRecord(
            group: "memory", name: "peak resident memory of this process", value: Double(PeakMemory.residentBytes()) / 1_048_576,
            unit: "MiB", note: "after every benchmark above"))
        print(BenchRecord.table(records))
        if let output {
            try BenchRecord.json(records).write(toFile: output, atomically: true, encoding: .utf8)
            print("wrote \(output)")
        }
        if let markdown {
            try BenchRecord.writeMarkdown(records, to: markdown)
            print("wrote \(markdown)")
        }
    }

    /// The compute group's allocation counts: in this process when the malloc interposer is
    /// counting here (on Linux the linker puts it before libc), else from a run of this
    /// program with the interposer preloaded.
    private func countAllocations(sizes: [(datums: Int, tokens: Int)]) async -> Result<[String: AllocationCount], ValidationFailure> {
        if AllocationCounter.isActive {
            do {
                return .success(try await ReferenceCompute.countAllocations(sizes: sizes))
            } catch {
                return .failure(ValidationFailure("cannot count allocations: \(error)"))
            }
        }
        let library = AllocationCounter.libraryPath
        guard FileManager.default.fileExists(atPath: library) else {
            return .failure(ValidationFailure("no \(library) beside this executable"))
        }
        let file = NSTemporaryDirectory() + "regspec-bench-allocations-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--count-allocations-to", file] + sizes.flatMap { ["--size", "\($0.datums)x\($0.tokens)"] }
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = library
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                return .failure(ValidationFailure(
                    "counting run exited with \(process.terminationStatus): \(String(decoding: message, as: UTF8.self).prefix(300))"))
            }
            let counts = try JSONDecoder().decode([String: AllocationCount].self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            return .success(counts)
        } catch {
            return .failure(ValidationFailure("cannot count allocations: \(error)"))
        }
    }
}
