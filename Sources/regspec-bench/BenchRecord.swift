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

    /// What a figure must reach to meet its target.
    enum Goal: Sendable {
        /// `value >= bound`.
        case atLeast(Double)
        /// `value <= bound`.
        case atMost(Double)
        /// `value < bound`.
        case below(Double)

        /// A figure that could not be measured (NaN) meets nothing.
        func isMet(by value: Double) -> Bool {
            switch self {
            case .atLeast(let bound): value >= bound
            case .atMost(let bound): value <= bound
            case .below(let bound): value < bound
            }
        }

        /// `>= 30000`, `<= 1.5`, `< 1`.
        var text: String {
            switch self {
            case .atLeast(let bound): ">= " + BenchRecord.plain(bound)
            case .atMost(let bound): "<= " + BenchRecord.plain(bound)
            case .below(let bound): "< " + BenchRecord.plain(bound)
            }
        }
    }

    /// A figure held to a goal.
    init(group: String, name: String, value: Double, unit: String, goal: Goal, note: String = "") {
        self.init(group: group, name: name, value: value, unit: unit, note: note, target: goal.text, met: goal.isMet(by: value))
    }

    init(group: String, name: String, value: Double, unit: String, note: String = "", target: String = "", met: Bool? = nil) {
        self.group = group
        self.name = name
        self.value = value
        self.unit = unit
        self.note = note
        self.target = target
        self.met = met
    }

    /// A figure held to a target.
    static func judged(
        group: String, name: String, value: Double, unit: String, target: String, met: Bool, note: String = ""
    ) -> BenchRecord {
        BenchRecord(group: group, name: name, value: value, unit: unit, note: note, target: target, met: met)
    }

    /// The figures of one group, one call each: `figure` for a figure alone, `target` for one
    /// held to a goal, which the table marks "met" or "NOT met" and counts.
    struct Group {
        let name: String
        private(set) var records: [BenchRecord] = []

        init(_ name: String) { self.name = name }

        mutating func figure(_ figure: String, _ value: Double, _ unit: String, note: String = "") {
            records.append(BenchRecord(group: name, name: figure, value: value, unit: unit, note: note))
        }

        mutating func target(_ figure: String, _ value: Double, _ unit: String, goal: Goal, note: String = "") {
            records.append(BenchRecord(group: name, name: figure, value: value, unit: unit, goal: goal, note: note))
        }

        /// A record built elsewhere, filed under this group.
        mutating func append(_ record: BenchRecord) {
            var record = record
            record.group = name
            records.append(record)
        }
    }

    /// A bound as written in a target: `30000`, `1.5`.
    static func plain(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : "\(number)"
    }

    /// "met", "NOT met", or nothing for a figure without a target.
    var verdict: String {
        switch met {
        case true?: "met"
        case false?: "NOT met"
        case nil: ""
        }
    }

    /// The closing line: how many targets are met, and which are not.
    static func summary(_ records: [BenchRecord]) -> String {
        let judged = records.filter { $0.met != nil }
        let missed = judged.filter { $0.met == false }
        return "\(judged.count - missed.count) of \(judged.count) targets met"
            + (missed.isEmpty ? "" : "; NOT met: " + missed.map(\.name).joined(separator: "; "))
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
            let verdict = record.verdict.padding(toLength: 7, withPad: " ", startingAt: 0)
            lines.append("\(name)  \(value) \(unit) \(target)  \(verdict)  \(record.note)")
        }
        lines.append("")
        lines.append(summary(records))
        return lines.joined(separator: "\n")
    }

    /// The figures as a Markdown table, a row per figure under a row per group, then the count.
    static func markdown(_ records: [BenchRecord]) -> String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        var lines = ["| figure | value | target | |", "| --- | ---: | --- | --- |"]
        var group = ""
        for record in records {
            if record.group != group {
                group = record.group
                lines.append("| **\(cell(group))** | | | |")
            }
            lines.append("| \(cell(record.name)) | \(readable(record.value)) \(cell(record.unit)) | \(cell(record.target)) | \(record.verdict) |")
        }
        lines.append("")
        lines.append(summary(records) + ".")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Three significant digits, without exponent for everyday sizes: 31234 -> 31234, 1.234 -> 1.23.
    static func readable(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let magnitude = abs(value)
        if magnitude >= 100 || magnitude == 0 { return String(format: "%.0f", value) }
        if magnitude >= 10 { return String(format: "%.1f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3g", value)
    }

    static let markdownStart = "<!-- regspec-bench table: start -->"
    static let markdownEnd = "<!-- regspec-bench table: end -->"

    /// `text` with the Markdown table between its two markers replaced, or nil when it has no
    /// such pair; a file without them gets the table alone.
    static func replacingMarkdownTable(in text: String, with table: String) -> String? {
        guard let start = text.range(of: markdownStart), let end = text.range(of: markdownEnd, range: start.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[..<start.upperBound]) + "\n" + table + String(text[end.lowerBound...])
    }

    /// Writes the Markdown table to `path`: between the markers when the file has them (the
    /// README's Benchmarks section), else the whole file.
    static func writeMarkdown(_ records: [BenchRecord], to path: String) throws {
        let table = markdown(records)
        let existing = try? String(contentsOfFile: path, encoding: .utf8)
        let text = existing.flatMap { replacingMarkdownTable(in: $0, with: table) } ?? table
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The figures as a JSON list; a figure that could not be measured (NaN) is `null`, which
    /// JSON can hold and NaN it cannot.
    static func json(_ records: [BenchRecord]) throws -> String {
        let entries = records.map { record in
            var entry: [String: Any] = [
                "group": record.group, "name": record.name, "unit": record.unit, "note": record.note,
                "value": record.value.isFinite ? record.value : NSNull(),
            ]
            if let met = record.met {
                entry["target"] = record.target
                entry["met"] = met
            }
            return entry
        }
        let data = try JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys])
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
