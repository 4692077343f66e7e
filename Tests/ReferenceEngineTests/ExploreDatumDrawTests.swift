import Foundation
import Testing
@testable import SpecHarness

/// `CaseGenerator.datum` fills its arrays in place; a seed must still give the very datums
/// it gave when each position drew into arrays of its own (a `--replay` line from an older
/// run names the same case). The draws as they were, kept here to compare against.
@Suite("explore datum draws") struct ExploreDatumDrawTests {
    static func arrayDatum(random: inout SeededGenerator, topK forced: Bool? = nil) -> ExploreDatum {
        let isTopK = forced ?? random.chance(0.25)
        let positions: Int
        switch random.weighted([6, 3, 1]) {
        case 0: positions = random.int(in: 1...8)
        case 1: positions = random.int(in: 9...32)
        default: positions = random.int(in: 33...64)
        }
        let tokens = (0..<positions).map { _ in random.int(in: 0...50_000) }
        if isTopK {
            let width = random.int(in: 2...5)
            var targets: [Int] = []
            var logprobs: [Double] = []
            var teacher: [Double] = []
            for _ in 0..<positions {
                targets += (0..<width).map { _ in random.int(in: 0...50_000) }
                logprobs += probabilities(width, random: &random).map { Foundation.log($0).float32Rounded }
                teacher += probabilities(width, random: &random).map(\.float32Rounded)
            }
            let ref = logprobs.map { ($0 + 0.3 * random.normal()).float32Rounded }
            return ExploreDatum(tokens: tokens, targets: targets, topK: width, logprobs: logprobs, weights: teacher, refLogprobs: ref)
        }
        let targets = tokens.dropFirst().map { $0 } + [random.int(in: 0...50_000)]
        let logprobs = (0..<positions).map { _ in CaseGenerator.logprob(random: &random) }
        let weights = (0..<positions).map { _ in random.pick([0.0, 0.5, 1.0, 1.0, 1.0, 2.0, random.double(in: 0...2).float32Rounded]) }
        let ref = logprobs.map { min(0, $0 + 0.5 * random.normal()).float32Rounded }
        return ExploreDatum(tokens: tokens, targets: targets, topK: nil, logprobs: logprobs, weights: weights, refLogprobs: ref)
    }

    static func probabilities(_ count: Int, random: inout SeededGenerator) -> [Double] {
        let raw = (0...count).map { _ in random.double(in: 0.05...1) }
        let total = raw.reduce(0, +)
        return raw.prefix(count).map { $0 / total }
    }

    @Test("datums are the ones the per-position arrays drew, and use up the same draws")
    func datumsMatchThePerPositionArrays() {
        var flat = 0
        var topK = 0
        for seed in [1, 7, 42, 0xFFFF_FFFF_FFFF_FFFF] as [UInt64] {
            for number in 1...400 {
                for forced in [nil, true, false] as [Bool?] {
                    var inPlace = SeededGenerator(seed: seed, caseNumber: number)
                    var arrays = inPlace
                    let made = CaseGenerator.datum(random: &inPlace, topK: forced)
                    let expected = Self.arrayDatum(random: &arrays, topK: forced)
                    #expect(made == expected, "seed \(seed), case \(number), topK \(String(describing: forced))")
                    #expect(inPlace.next() == arrays.next(), "seed \(seed), case \(number): a different number of draws")
                    if made.topK == nil { flat += 1 } else { topK += 1 }
                }
            }
        }
        // Both shapes, at every size class, were compared.
        #expect(flat > 1_000 && topK > 1_000)
    }
}
