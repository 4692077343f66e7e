import Foundation

/// One measured figure, with what it is compared to and, for a target, whether it is met.
struct BenchRecord {
    var group: String
    var name: String
    var value: Double
    var unit: String
    var note: String = ""
    /// The target this figure is held to, as text ("<= 1.5x"), or empty when it has none.
    var target: String = ""
    /// Whether the target is met; nil when there is no target.
    var met: Bool? = nil

    /// A figure held to a target.
    static func judged(
        group: String, name: String, value: Double, unit: String, target: String, met: Bool, note: String = ""
    ) -> BenchRecord {
        BenchRecord(group: group, name: name, value: value, unit: unit, note: note, target: target, met: met)
    }

    static func table(_ records: [BenchRecord]) -> String {
        let nameWidth = records.map(\.name.count).max() ?? 10
        let targetWidth = max(6, records.map(\.target.count).max() ?? 6)
        var lines: [String] = []
        var group = ""
        for record in records {
            if record.group != group {
                group = record.group
                lines.append("")
                lines.append("## \(group)")
            }
            let name = record.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            let value = String(format: "%12.3f", record.value)
            let unit = record.unit.padding(toLength: 10, withPad: " ", startingAt: 0)
            let target = record.target.padding(toLength: targetWidth, withPad: " ", startingAt: 0)
            let verdict = switch record.met {
            case true?: "met    "
            case false?: "NOT MET"
            case nil: "       "
            }
            lines.append("\(name)  \(value) \(unit) \(target)  \(verdict)  \(record.note)")
        }
        let judged = records.filter { $0.met != nil }
        let missed = judged.filter { $0.met == false }
        lines.append("")
        lines.append("targets: \(judged.count - missed.count) of \(judged.count) met"
            + (missed.isEmpty ? "" : "; not met: " + missed.map(\.name).joined(separator: "; ")))
        return lines.joined(separator: "\n")
    }

    static func json(_ records: [BenchRecord]) -> String {
        let entries = records.map { record in
            var entry: [String: Any] = [
                "group": record.group, "name": record.name, "value": record.value, "unit": record.unit, "note": record.note,
            ]
            if let met = record.met {
                entry["target"] = record.target
                entry["met"] = met
            }
            return entry
        }
        let data = (try? JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Wall-clock timing helpers.
enum Stopwatch {
    /// Seconds taken by `body`.
    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// The median of `repetitions` timings of `body`, in seconds.
    static func median(repetitions: Int, _ body: () async throws -> Void) async rethrows -> Double {
        var timings: [Double] = []
        for _ in 0..<max(1, repetitions) { timings.append(try await seconds(body)) }
        return median(timings)
    }

    /// CPU seconds used by every thread of this process so far: unlike the wall clock, it
    /// does not count the time the process waited for a core on a busy machine.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// The median of `repetitions` process CPU times of `body`, in seconds.
    static func medianCPU(repetitions: Int, _ body: () async throws -> Void) async rethrows -> Double {
        var timings: [Double] = []
        for _ in 0..<max(1, repetitions) {
            let start = processCPUSeconds()
            try await body()
            timings.append(processCPUSeconds() - start)
        }
        return median(timings)
    }

    /// The median of some figures (the upper one of an even count); 0 for none.
    static func median(_ figures: [Double]) -> Double {
        guard !figures.isEmpty else { return 0 }
        return figures.sorted()[figures.count / 2]
    }
}

/// The process's peak resident memory, from getrusage.
enum PeakMemory {
    static func residentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
