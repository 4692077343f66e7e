import Foundation

/// One measured figure, with what it is compared to.
struct BenchRecord {
    var group: String
    var name: String
    var value: Double
    var unit: String
    var note: String = ""

    static func table(_ records: [BenchRecord]) -> String {
        let nameWidth = records.map(\.name.count).max() ?? 10
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
            lines.append("\(name)  \(value) \(record.unit.padding(toLength: 10, withPad: " ", startingAt: 0)) \(record.note)")
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ records: [BenchRecord]) -> String {
        let entries = records.map { record in
            [
                "group": record.group, "name": record.name, "value": record.value, "unit": record.unit, "note": record.note,
            ] as [String: Any]
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
        timings.sort()
        return timings[timings.count / 2]
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
