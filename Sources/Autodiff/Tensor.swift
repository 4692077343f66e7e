/// A float64 tensor with value semantics that records how it was computed.
///
/// Tensors are immutable, so they are `Sendable` and can be shared between
/// concurrent tasks; operations return new tensors. A tensor made with
/// `variable`, or computed from one, carries a reference to the graph node
/// that `backward()` walks to produce gradients. Constants carry no node, so
/// arithmetic on them costs nothing beyond computing the values.
public struct Tensor: Sendable, CustomStringConvertible {
    /// Row-major storage.
    public let values: [Double]
    /// The size of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// The graph node, or nil for a constant.
    let node: Node?

    /// The number of stored elements.
    public var scalarCount: Int { values.count }

    /// True for a leaf made with `variable` or anything computed from one.
    public var requiresGrad: Bool { node != nil }

    /// Builds a tensor whose shape the caller has already checked against `values`.
    init(uncheckedValues values: [Double], shape: [Int], node: Node?) {
        self.values = values
        self.shape = shape
        self.node = node
    }

    /// A constant with the given row-major values and shape.
    ///
    /// Throws `TensorError.invalidShape` when a dimension is negative or the
    /// shape does not describe exactly `values.count` elements.
    public init(_ values: [Double], shape: [Int]) throws {
        try Tensor.validate(shape: shape, count: values.count)
        self.init(uncheckedValues: values, shape: shape, node: nil)
    }

    /// A 1-D constant of shape `[values.count]`.
    public init(_ values: [Double]) {
        self.init(uncheckedValues: values, shape: [values.count], node: nil)
    }

    /// A 0-d constant (shape `[]`).
    public init(scalar: Double) {
        self.init(uncheckedValues: [scalar], shape: [], node: nil)
    }

    /// A leaf that requires grad; each call makes a distinct leaf identity.
    public static func variable(_ values: [Double], shape: [Int]) throws -> Tensor {
        try validate(shape: shape, count: values.count)
        return Tensor(uncheckedValues: values, shape: shape, node: Node(leaf: ()))
    }

    /// A 1-D leaf that requires grad; each call makes a distinct leaf identity.
    public static func variable(_ values: [Double]) -> Tensor {
        Tensor(uncheckedValues: values, shape: [values.count], node: Node(leaf: ()))
    }

    /// The single element of a one-element tensor of any shape.
    public func item() throws -> Double {
        guard values.count == 1, let value = values.first else {
            throw TensorError.notScalar(shape: shape)
        }
        return value
    }

    /// The same values without graph history, so gradients stop here.
    public func detached() -> Tensor {
        Tensor(uncheckedValues: values, shape: shape, node: nil)
    }

    public var description: String {
        let limit = 8
        var shown = values.prefix(limit).map { "\($0)" }.joined(separator: ", ")
        if values.count > limit {
            shown += ", … (\(values.count) total)"
        }
        return "Tensor(shape: \(shape), values: [\(shown)]\(requiresGrad ? ", requiresGrad" : ""))"
    }

    /// Throws unless `shape` is non-negative and multiplies to `count`.
    static func validate(shape: [Int], count: Int) throws {
        guard shape.allSatisfy({ $0 >= 0 }), elementCount(of: shape) == count else {
            throw TensorError.invalidShape(shape, count: count)
        }
    }

    /// The product of the dimensions, saturating instead of overflowing so that
    /// absurd shapes are reported as invalid rather than trapping.
    static func elementCount(of shape: [Int]) -> Int {
        var product = 1
        for dimension in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return Int.max }
            product = next
        }
        return product
    }

    /// Makes the result of an operation, attaching a node only when some input
    /// requires grad; inputs that are constants get no edge and no pullback call.
    static func result(_ values: [Double], shape: [Int], inputs: [OperationInput]) -> Tensor {
        var edges: [Edge] = []
        edges.reserveCapacity(inputs.count)
        for input in inputs {
            if let node = input.tensor.node {
                edges.append(Edge(node: node, pullback: input.pullback, accumulate: input.accumulate))
            }
        }
        let node = edges.isEmpty ? nil : Node(edges: edges)
        return Tensor(uncheckedValues: values, shape: shape, node: node)
    }

    /// Makes the result of an operation from the edges to its inputs that require grad,
    /// built directly by operations over a batch: no node when there are none.
    static func result(_ values: [Double], shape: [Int], edges: [Edge]) -> Tensor {
        Tensor(uncheckedValues: values, shape: shape, node: edges.isEmpty ? nil : Node(edges: edges))
    }

    /// Makes the result of a single-input operation with a fused pullback.
    ///
    /// The one- and two-input forms make the node's edges directly, without the list of
    /// inputs the general form takes: every arithmetic step of a loss goes through them.
    static func result(
        _ values: [Double], shape: [Int], input: Tensor, pullback: @escaping Pullback, accumulate: @escaping Accumulate
    ) -> Tensor {
        let node = input.node.map { Node(edges: [Edge(node: $0, pullback: pullback, accumulate: accumulate)]) }
        return Tensor(uncheckedValues: values, shape: shape, node: node)
    }

    /// Makes the result of a two-input operation.
    static func result(
        _ values: [Double], shape: [Int],
        lhs: Tensor, _ lhsPullback: @escaping Pullback,
        rhs: Tensor, _ rhsPullback: @escaping Pullback
    ) -> Tensor {
        let node: Node?
        switch (lhs.node, rhs.node) {
        case (nil, nil): node = nil
        case (let left?, nil): node = Node(edges: [Edge(node: left, pullback: lhsPullback)])
        case (nil, let right?): node = Node(edges: [Edge(node: right, pullback: rhsPullback)])
        case (let left?, let right?):
            node = Node(edges: [Edge(node: left, pullback: lhsPullback), Edge(node: right, pullback: rhsPullback)])
        }
        return Tensor(uncheckedValues: values, shape: shape, node: node)
    }

    /// Makes the result of a single-input operation.
    static func result(_ values: [Double], shape: [Int], input: Tensor, pullback: @escaping Pullback) -> Tensor {
        let node = input.node.map { Node(edges: [Edge(node: $0, pullback: pullback)]) }
        return Tensor(uncheckedValues: values, shape: shape, node: node)
    }
}

/// One input of an operation and its pullbacks, on the way to becoming an `Edge`.
///
/// A struct rather than a tuple: closures in a tuple that is an array's element are
/// reabstracted through a thunk, a context allocated on the way in and another on the way
/// out, per closure; a struct's closure fields are stored as they are.
struct OperationInput {
    let tensor: Tensor
    let pullback: Pullback
    /// The fused form of `pullback` (see `Edge.accumulate`), or nil.
    let accumulate: Accumulate?

    init(_ tensor: Tensor, _ pullback: @escaping Pullback, _ accumulate: Accumulate? = nil) {
        self.tensor = tensor
        self.pullback = pullback
        self.accumulate = accumulate
    }
}
