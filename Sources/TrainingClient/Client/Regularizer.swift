import TinkerWire

/// A named, weighted term added to the loss: `loss_total = base + sum(weight * value)`.
public struct Regularizer: Sendable {
    public var name: String
    public var weight: Double
    public var fn: LossFunction

    public init(name: String, weight: Double, fn: LossFunction) {
        self.name = name
        self.weight = weight
        self.fn = fn
    }

    /// The same regularizer as an argument dictionary, so it goes through the one validator.
    var arguments: RegularizerArguments {
        ["name": .string(name), "weight": .number(weight), "fn": .function(fn)]
    }
}
