/// A protocol message that is not what the protocol says, with the path to the bad part.
package struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    package var path: String
    package var message: String

    package init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    package var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Typed reads of a JSON value that fail with the path of what was wrong.
struct JSONReader {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String = "") {
        self.value = value
        self.path = path
    }

    private func fail(_ expected: String) -> ProtocolError {
        ProtocolError(path, "expected \(expected)")
    }

    func object() throws(ProtocolError) -> [(key: String, value: JSONReader)] {
        guard case .object(let object) = value else { throw fail("an object") }
        return object.map { ($0.key, JSONReader($0.value, path: child($0.key))) }
    }

    /// A required field.
    func field(_ key: String) throws(ProtocolError) -> JSONReader {
        guard case .object(let object) = value else { throw fail("an object") }
        guard let found = object[key] else { throw ProtocolError(child(key), "missing") }
        return JSONReader(found, path: child(key))
    }

    /// An optional field; nil when absent or null.
    func optional(_ key: String) throws(ProtocolError) -> JSONReader? {
        guard case .object(let object) = value else { throw fail("an object") }
        guard let found = object[key], found != .null else { return nil }
        return JSONReader(found, path: child(key))
    }

    func string() throws(ProtocolError) -> String {
        guard case .string(let text) = value else { throw fail("a string") }
        return text
    }

    func integer() throws(ProtocolError) -> Int {
        guard case .integer(let number) = value else { throw fail("an integer") }
        return number
    }

    func number() throws(ProtocolError) -> Double {
        guard let number = value.doubleValue else { throw fail("a number") }
        return number
    }

    /// A duration in milliseconds that can safely become a `Duration`.
    func milliseconds(minimum: Double) throws(ProtocolError) -> Double {
        let value = try number()
        guard Milliseconds.isValid(value, minimum: minimum) else {
            throw ProtocolError(path, "expected a finite number of milliseconds from \(minimum) to \(Int(Milliseconds.maximum))")
        }
        return value
    }

    func bool() throws(ProtocolError) -> Bool {
        guard case .bool(let flag) = value else { throw fail("true or false") }
        return flag
    }

    func array() throws(ProtocolError) -> [JSONReader] {
        guard case .array(let items) = value else { throw fail("an array") }
        return items.enumerated().map { JSONReader($0.element, path: "\(path)[\($0.offset)]") }
    }

    /// Reads the raw items directly: paths are built only for an error, since arrays of
    /// logprobs and weights are the bulk of every protocol message.
    func numbers() throws(ProtocolError) -> [Double] {
        guard case .array(let items) = value else { throw fail("an array") }
        var result: [Double] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard let number = item.doubleValue else { throw ProtocolError("\(path)[\(index)]", "expected a number") }
            result.append(number)
        }
        return result
    }

    func integers() throws(ProtocolError) -> [Int] {
        guard case .array(let items) = value else { throw fail("an array") }
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .integer(let number) = item else { throw ProtocolError("\(path)[\(index)]", "expected an integer") }
            result.append(number)
        }
        return result
    }

    private func child(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}
