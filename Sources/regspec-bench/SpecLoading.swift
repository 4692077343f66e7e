import CLibYAML
import Foundation
import SpecHarness

/// Loading spec files with large inline arrays: megabytes per second and peak memory.
struct SpecLoading {
    let quick: Bool

    /// The targets for YAML loading: throughput in CPU time, and peak memory above the
    /// resident memory before the load.
    static let targetMegabytesPerSecond = 40.0
    static let targetMemoryRatio = 4.0

    func measure() throws -> [BenchRecord] {
        let group = "4. loading spec files with large inline arrays"
        let folder = NSTemporaryDirectory() + "regspec-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/specs", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var figures = BenchRecord.Group(group)
        for megabytes in quick ? [1] : [1, 10, 50] {
            let path = folder + "/specs/large-\(megabytes).yaml"
            // Written in its own scope, so the text is freed before the load is measured.
            let size = try { () throws -> Double in
                let text = Self.specText(bytes: megabytes << 20)
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                return Double(text.utf8.count) / 1_048_576
            }()
            if megabytes == 1 { _ = SpecLoader().load(paths: [path]) }  // warm-up: first-use costs are not the loader's
            let memory = LoadMemory.start()
            let clock = ContinuousClock()
            let start = clock.now
            let cpuStart = Stopwatch.processCPUSeconds()
            let suite = SpecLoader().load(paths: [path])
            let cpuSeconds = Stopwatch.processCPUSeconds() - cpuStart
            let elapsed = clock.now - start
            let peak = memory.peakAboveStart()
            guard suite.diagnostics.isEmpty, suite.cases.count == 1 else {
                throw ValidationFailure("the generated \(megabytes) MB spec does not load: \(suite.diagnostics.first.map { "\($0)" } ?? "")")
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            // CPU time, not wall time: on a shared machine the wall clock also counts the
            // time this process waited for a core.
            let speed = size / cpuSeconds
            figures.target(
                String(format: "%.1f MB of YAML, CPU time", size), speed, "MB/s", goal: .atLeast(Self.targetMegabytesPerSecond),
                note: String(format: "%.2f s CPU (process, every thread), %.2f s wall (%.1f MB/s)", cpuSeconds, seconds, size / seconds))
            if let peak {
                let ratio = Double(peak) / (size * 1_048_576)
                figures.target(
                    String(format: "%.1f MB of YAML, peak memory", size), ratio, "x file", goal: .atMost(Self.targetMemoryRatio),
                    note: String(format: "%.0f MiB above the RSS before the load", Double(peak) / 1_048_576))
            }
            if let floor = Self.libyamlEventSeconds(path: path) {
                figures.figure(
                    String(format: "%.1f MB of YAML, libyaml alone", size), size / floor, "MB/s",
                    note: String(format: "%.2f s CPU pulling and freeing every event, no tree; the loader runs at %.2fx its speed", floor, floor / cpuSeconds))
            }
            figures.append(try loadNumPy(tokens: max(1, (megabytes << 20) / 24), folder: folder, yamlSeconds: seconds))
        }
        return figures.records
    }

    /// CPU seconds libyaml takes to pull every event of the file and free it, building nothing:
    /// what a loader that hands every scalar to libyaml cannot go below. Nil if libyaml fails.
    static func libyamlEventSeconds(path: String) -> Double? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else { return nil }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input_file(parser, file)
        var event = yaml_event_t()
        let start = Stopwatch.processCPUSeconds()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else { return nil }
            let finished = event.type == YAML_STREAM_END_EVENT
            yaml_event_delete(&event)
            if finished { break }
        }
        return Stopwatch.processCPUSeconds() - start
    }

    /// The same datum with its three arrays in .npy files; the ratio is against the YAML load.
    private func loadNumPy(tokens: Int, folder: String, yamlSeconds: Double) throws -> BenchRecord {
        let name = "npy-\(tokens)"
        try FileManager.default.createDirectory(atPath: folder + "/fixtures/\(name)", withIntermediateDirectories: true)
        var bytes = 0
        let tokenIDs: [Double] = (0..<tokens).map { Double($0 % 1000) }
        let targetIDs: [Double] = (0..<tokens).map { Double(($0 + 1) % 1000) }
        let logprobs: [Double] = (0..<tokens).map { -0.01 - Double($0 % 997) / 200 }
        let arrays: [(String, [Double])] = [("tokens", tokenIDs), ("targets", targetIDs), ("logprobs", logprobs)]
        for (array, values) in arrays {
            let data = Self.npy(values)
            bytes += data.count
            try data.write(to: URL(fileURLWithPath: folder + "/fixtures/\(name)/\(array).npy"))
        }
        let path = folder + "/specs/\(name).yaml"
        try Self.specText(bytes: 0)
            .replacingOccurrences(of: "large/one", with: "large/\(name)")
            .replacingOccurrences(of: "tokens: [0]", with: "tokens: {npy: \(name)/tokens.npy}")
            .replacingOccurrences(of: "targets: [1]", with: "targets: {npy: \(name)/targets.npy}")
            .replacingOccurrences(of: "logprobs: [-0.010000]", with: "logprobs: {npy: \(name)/logprobs.npy}")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let seconds = try Self.time {
            let suite = SpecLoader().load(paths: [path])
            guard suite.diagnostics.isEmpty, suite.cases.first?.input.data.first?.logprobs.count == tokens else {
                throw ValidationFailure("the .npy spec does not load: \(suite.diagnostics.first.map { "\($0)" } ?? "")")
            }
        }
        let megabytes = Double(bytes) / 1_048_576
        return BenchRecord(
            group: "4. loading spec files with large inline arrays", name: String(format: "same datum as .npy (%.1f MB)", megabytes),
            value: megabytes / seconds, unit: "MB/s", note: String(format: "%.3f s; %.0fx faster than YAML", seconds, yamlSeconds / seconds))
    }

    private static func time(_ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// A float64 .npy file, format 1.0.
    static func npy(_ values: [Double]) -> Data {
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(values.count),), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
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

/// Peak resident memory of one stretch of work, on Linux: the kernel's high-water mark
/// (`VmHWM`) is reset through `/proc/self/clear_refs`, and freed heap is returned first.
struct LoadMemory {
    let startBytes: Int

    static func start() -> LoadMemory {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
        #endif
        return LoadMemory(startBytes: statusField("VmRSS") ?? 0)
    }

    /// The peak above the start, or nil where `/proc` cannot tell.
    func peakAboveStart() -> Int? {
        statusField("VmHWM").map { max(0, $0 - startBytes) }
    }

    private static func statusField(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.split(separator: " ").first { Int($0) != nil }
            return digits.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }

    private func statusField(_ name: String) -> Int? { Self.statusField(name) }
}

#if os(Linux)
/// glibc's `malloc_trim` (declared in malloc.h, which the Glibc module does not import).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
