/// The loss a backend computes, named as on Tinker's wire.
public struct BackendLossFunction: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// `sum(-weights * logprobs)` over every target token.
    public static let crossEntropy = BackendLossFunction(rawValue: "cross_entropy")

    public var description: String { rawValue }
}
