/// Turns a finished run into a report file's text.
public protocol Reporter: Sendable {
    func render(_ report: RunReport) -> String
}

/// The report formats `--format` offers.
public enum ReportFormat: String, Sendable, CaseIterable {
    case console
    case json
    case junit
    case tap

    public func reporter(useColor: Bool = false) -> any Reporter {
        switch self {
        case .console: return ConsoleReporter(useColor: useColor)
        case .json: return JSONReporter()
        case .junit: return JUnitReporter()
        case .tap: return TAPReporter()
        }
    }
}

extension Duration {
    /// Seconds as a Double, for reports.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

extension CaseResult {
    /// Every line that explains a non-passing outcome.
    var detailLines: [String] {
        switch outcome {
        case .passed: return []
        case .failed(let mismatches): return mismatches.map(\.description)
        case .errored(let message): return message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        case .skipped(let reason): return [reason]
        }
    }
}
