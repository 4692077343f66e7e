/// One request a backend received, kept so tests and the harness can read what was sent.
public struct ForwardBackwardRequest: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case forward
        case forwardBackward = "forward_backward"
    }

    public var kind: Kind
    public var lossFn: BackendLossFunction
    public var data: [Datum]

    public init(kind: Kind, lossFn: BackendLossFunction, data: [Datum]) {
        self.kind = kind
        self.lossFn = lossFn
        self.data = data
    }

    private enum CodingKeys: String, CodingKey {
        case kind
        case lossFn = "loss_fn"
        case data
    }
}
