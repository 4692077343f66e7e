extension SpecCase: CustomStringConvertible {
    /// The case's id: how a test framework names a parameterized test's argument.
    public var description: String { id }
}
