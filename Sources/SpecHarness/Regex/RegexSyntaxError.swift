/// Why a pattern is not a regular expression `BoundedRegex` accepts: where, and what is wrong.
package struct RegexSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offset, in Unicode scalars, of the pattern text at fault.
    package let offset: Int
    package let reason: String

    package init(_ reason: String, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    package var description: String { "\(reason) (at offset \(offset) of the pattern)" }
}
