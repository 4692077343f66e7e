#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TinkerWire

/// The C library's `exp`, `log`, by names no declaration here shadows.
@inline(__always) private func libcExp(_ x: Double) -> Double { exp(x) }
@inline(__always) private func libcLog(_ x: Double) -> Double { log(x) }

/// A tiny language model with real parameters: the next token's logits depend on the
/// current token only, `logits = W[current]`, over a vocabulary of `vocabularySize`.
///
/// Small enough to differentiate by hand and by finite differences, which is what lets a
/// test show that the client's linearized backward step moves the parameters by
/// `d(loss_total)/d(parameters)`.
public struct BigramModel: Sendable, Equatable {
    public let vocabularySize: Int
    /// Row-major `[vocabularySize, vocabularySize]` logits table.
    public var parameters: [Double]

    /// Parameters drawn uniformly from `[-scale, scale]` by a seeded SplitMix64, so every run agrees.
    public init(vocabularySize: Int, seed: UInt64, scale: Double = 1.0) {
        self.vocabularySize = vocabularySize
        var generator = SplitMix64(seed: seed)
        parameters = (0..<(vocabularySize * vocabularySize)).map { _ in
            (generator.nextUnitInterval() * 2 - 1) * scale
        }
    }

    /// Log-probabilities of the targets of one datum, flat in the targets' row-major order.
    ///
    /// Targets of shape `[T]` or `[T, K]` are scored against the context token at position t.
    public func logprobs(context: [Int], targets: TensorData, datum: Int) throws -> [Double] {
        let positions = try positionCount(context: context, targets: targets, datum: datum)
        let perPosition = positions == 0 ? 0 : targets.data.count / positions
        var result: [Double] = []
        result.reserveCapacity(targets.data.count)
        for position in 0..<positions {
            let row = try logSoftmaxRow(of: context[position], datum: datum)
            for slot in 0..<perPosition {
                let target = try token(targets.data[position * perPosition + slot], datum: datum)
                result.append(row[target])
            }
        }
        return result
    }

    /// Adds `d(sum(coefficients * logprobs))/d(parameters)` for one datum into `gradient`.
    public func accumulateGradient(
        into gradient: inout [Double], context: [Int], targets: TensorData, coefficients: [Double], datum: Int
    ) throws {
        let positions = try positionCount(context: context, targets: targets, datum: datum)
        let perPosition = positions == 0 ? 0 : targets.data.count / positions
        for position in 0..<positions {
            let current = context[position]
            let probabilities = try logSoftmaxRow(of: current, datum: datum).map { libcExp($0) }
            let rowStart = current * vocabularySize
            for slot in 0..<perPosition {
                let flat = position * perPosition + slot
                let target = try token(targets.data[flat], datum: datum)
                let coefficient = coefficients[flat]
                // d log softmax(z)[t] / d z[v] = 1[v == t] - p[v]
                for column in 0..<vocabularySize {
                    gradient[rowStart + column] -= coefficient * probabilities[column]
                }
                gradient[rowStart + target] += coefficient
            }
        }
    }

    private func positionCount(context: [Int], targets: TensorData, datum: Int) throws -> Int {
        let shape = targets.resolvedShape
        let positions = shape.first ?? 1
        guard positions == context.count else {
            throw BackendError.lengthMismatch(datum: datum, inputLength: context.count, targetLength: positions)
        }
        return positions
    }

    private func token(_ value: Double, datum: Int) throws -> Int {
        let token = Int(exactly: value) ?? -1
        guard token >= 0 && token < vocabularySize else {
            throw BackendError.tokenOutOfVocabulary(datum: datum, token: token, vocabularySize: vocabularySize)
        }
        return token
    }

    private func logSoftmaxRow(of current: Int, datum: Int) throws -> [Double] {
        let current = try token(Double(current), datum: datum)
        let row = parameters[(current * vocabularySize)..<((current + 1) * vocabularySize)]
        let maximum = row.max() ?? 0
        let logNormalizer = maximum + libcLog(row.reduce(0) { $0 + libcExp($1 - maximum) })
        return row.map { $0 - logNormalizer }
    }
}

/// SplitMix64: a small, well-known generator; enough for reproducible initial parameters.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// A double in [0, 1) from the top 53 bits.
    mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
