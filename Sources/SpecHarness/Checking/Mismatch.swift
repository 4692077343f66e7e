/// One way an observation differs from what its case expects: where, and how.
public struct Mismatch: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The field, e.g. `metrics.regularizers.l2.value` or `gradient[1]`.
    public var path: String
    public var message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
