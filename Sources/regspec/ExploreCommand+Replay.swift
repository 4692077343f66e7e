#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ExploreCommand {
    /// The command that runs generated case `number` of `seed` again, complete and shell-quoted
    /// so it can be pasted: the program as it was invoked, the engine command, and every option
    /// that changes what the case is or how it is judged when it differs from its default.
    func replayCommand(_ number: Int, seed: UInt64) -> String {
        let program = CommandLine.arguments.first.map { $0.contains("/") ? $0 : "regspec" } ?? "regspec"
        var words = [program, "explore", "--engine-command", engineOptions.engineCommand ?? "", "--seed", "\(seed)", "--replay", "\(number)"]
        if invalidRate != 0.2 { words += ["--invalid-rate", "\(invalidRate)"] }
        if assumeFloat64 { words.append("--assume-float64") }
        if engineOptions.timeout != 30 { words += ["--timeout", "\(engineOptions.timeout)"] }
        if engineOptions.strictProtocol { words.append("--strict-protocol") }
        if maxShrinkAttempts != 4000 { words += ["--max-shrink-attempts", "\(maxShrinkAttempts)"] }
        if out != "explore-findings" { words += ["--out", out] }
        return words.map(ShellWord.quoted).joined(separator: " ")
    }
}
