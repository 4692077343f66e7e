/// Runs `body` with `engine` and shuts the engine down afterwards, on every path: when `body`
/// returns, throws, or is cancelled. Every command and session holds its engine this way, so
/// no path can forget the shutdown and leave an engine process behind.
/// - Parameters:
///   - engine: the engine `body` uses; it starts its processes as `body` needs them.
///   - isolation: the actor `body` runs on (the caller's, by default).
///   - body: the work; in a cancelled task the shutdown kills the engine's processes at once.
/// - Returns: what `body` returned.
/// - Throws: what `body` threw, after the shutdown.
public func withEngine<E: Engine, Result>(
    _ engine: E, isolation: isolated (any Actor)? = #isolation, _ body: (E) async throws -> Result
) async rethrows -> Result {
    let result: Result
    do {
        result = try await body(engine)
    } catch {
        await engine.shutdown()
        throw error
    }
    await engine.shutdown()
    return result
}
