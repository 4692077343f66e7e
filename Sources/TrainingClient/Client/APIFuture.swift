import TinkerWire

/// A call submitted now and awaited later, like the Python SDK's `APIFuture`.
public struct APIFuture<Value: Sendable>: Sendable {
    private let task: Task<Value, any Error>

    init(_ operation: @escaping @Sendable () async throws -> Value) {
        task = Task(operation: operation)
    }

    /// Waits for the call and returns its result or throws its error.
    public func result() async throws -> Value {
        try await task.value
    }

    /// Cancels the call; in-flight async fns see cancellation and no backward is sent.
    public func cancel() {
        task.cancel()
    }
}
