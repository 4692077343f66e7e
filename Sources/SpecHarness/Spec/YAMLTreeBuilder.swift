internal import CLibYAML

/// Builds a `YAMLValue` from libyaml's events, with an explicit stack and no recursion.
///
/// Aliases are rejected when they are met, before anything is expanded (nine levels of nine
/// aliases expand to 387 million nodes); nesting is bounded; lists of plain numbers are
/// packed into a `NumberList` as they stream by.
struct YAMLTreeBuilder {
    let file: String
    let maximumDepth: Int
    let maximumValues: Int
    /// Values built so far, packed numbers not counted.
    private var valueCount = 0
    /// Problems that leave the document usable: duplicate keys, keys that are not words.
    private(set) var diagnostics: [SpecDiagnostic] = []
    /// A problem that stops the parse.
    var fatal: SpecDiagnostic?
    private(set) var root: YAMLValue?
    private var stack: [Frame] = []
    private var documents = 0

    init(file: String, maximumDepth: Int, maximumValues: Int) {
        self.file = file
        self.maximumDepth = maximumDepth
        self.maximumValues = maximumValues
    }

    private enum Frame {
        case sequence(SequenceFrame)
        case mapping(MappingFrame)
    }

    /// Classes, so that appending to the top frame never copies what it holds.
    private final class SequenceFrame {
        let location: SourceLocation
        var items: [YAMLValue] = []
        /// The items while every one is a plain number; nil once another kind appears.
        var numbers: NumberList?

        init(location: SourceLocation, file: String) {
            self.location = location
            self.numbers = NumberList(file: file)
        }

        /// Moves packed numbers into `items`, when a non-number shows the list is not numeric.
        func unpack() {
            guard let packed = numbers else { return }
            items = packed.items
            numbers = nil
        }
    }

    private final class MappingFrame {
        let location: SourceLocation
        var pairs: [(key: String, keyLocation: SourceLocation, value: YAMLValue)] = []
        /// Keys seen, as UTF-8 bytes: `café` and `cafe\u{301}` are two keys, as in JSON and Python.
        var seen: Set<[UInt8]> = []
        var pendingKey: (name: String, location: SourceLocation)?
        /// The next value belongs to a key that was rejected and is dropped.
        var skippingValue = false

        init(location: SourceLocation) {
            self.location = location
        }
    }

    mutating func handle(_ event: yaml_event_t) {
        handle(event, line: event.start_mark.line + 1, column: event.start_mark.column + 1)
    }

    /// An event whose place (from 1) is given: libyaml's marks are not the input's places when
    /// it read lists of numbers as `[]` (`SubstitutedYAMLInput`).
    mutating func handle(_ event: yaml_event_t, line: Int, column: Int) {
        if event.type == YAML_SCALAR_EVENT {
            scalar(event.data.scalar, line: line, column: column)
            return
        }
        let location = SourceLocation(file: file, line: line, column: column)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                fatal = SpecDiagnostic(location, "invalid YAML: a second document; a spec file holds one", hint: "remove the `---` line and what follows, or move it to its own file")
            }
        case YAML_SEQUENCE_START_EVENT:
            guard checkDepth(at: location) else { return }
            stack.append(.sequence(SequenceFrame(location: location, file: file)))
        case YAML_MAPPING_START_EVENT:
            guard checkDepth(at: location) else { return }
            stack.append(.mapping(MappingFrame(location: location)))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            switch frame {
            case .sequence(let sequence):
                if let numbers = sequence.numbers, numbers.count > 0 {
                    deliver(YAMLValue(.numbers(numbers), at: sequence.location))
                } else {
                    deliver(YAMLValue(.sequence(sequence.items), at: sequence.location))
                }
            case .mapping(let mapping):
                deliver(YAMLValue(.mapping(mapping.pairs), at: mapping.location))
            }
        case YAML_ALIAS_EVENT:
            let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
            fatal = SpecDiagnostic(
                location, "YAML aliases are not supported in spec files (*\(UserText.escaped(name)))",
                hint: "write the value out, or share data through a fixture file")
        default:
            break
        }
    }

    /// Gives the list just opened the numbers `FlowNumberScanner` read from its text, as if
    /// they had streamed by as scalars; its end event follows.
    /// - Returns: false when the innermost open value is not an empty list.
    mutating func packIntoOpenSequence(_ numbers: NumberList) -> Bool {
        guard case .sequence(let sequence)? = stack.last, sequence.items.isEmpty, sequence.numbers?.count == 0 else { return false }
        sequence.numbers = numbers
        return true
    }

    private mutating func checkDepth(at location: SourceLocation) -> Bool {
        guard stack.count >= maximumDepth else { return true }
        fatal = SpecDiagnostic(location, "lists and mappings are nested more than \(maximumDepth) levels deep", hint: "spec files need a few levels")
        return false
    }

    /// A scalar; a plain number inside a list of numbers is packed without building a value.
    private mutating func scalar(_ scalar: yaml_event_t.__Unnamed_union_data.__Unnamed_struct_scalar, line: Int, column: Int) {
        let bytes = UnsafeBufferPointer(start: scalar.value, count: scalar.value == nil ? 0 : scalar.length)
        let isPlain = scalar.style == YAML_PLAIN_SCALAR_STYLE
        if scalar.tag == nil, isPlain, case .sequence(let sequence)? = stack.last, sequence.numbers != nil {
            let content = YAMLCoreSchema.resolve(bytes: bytes)
            switch content {
            case .integer(let value) where value.magnitude <= 1 << 53:
                sequence.numbers?.append(Double(value), isInteger: true, line: line, column: column)
                return
            case .number(let value):
                sequence.numbers?.append(value, isInteger: false, line: line, column: column)
                return
            default:
                deliver(YAMLValue(content, at: SourceLocation(file: file, line: line, column: column)))
                return
            }
        }
        deliver(YAMLValue(Self.content(of: bytes, tag: scalar.tag, isPlain: isPlain), at: SourceLocation(file: file, line: line, column: column)))
    }

    /// Plain untagged scalars by the YAML 1.2 core schema; quoted ones are strings; an
    /// explicit standard tag (`!!float 1`) is honoured.
    private static func content(of bytes: UnsafeBufferPointer<UInt8>, tag: UnsafeMutablePointer<yaml_char_t>?, isPlain: Bool) -> YAMLValue.Content {
        guard let tag else {
            return isPlain ? YAMLCoreSchema.resolve(bytes: bytes) : .string(String(decoding: bytes, as: UTF8.self))
        }
        switch String(cString: tag) {
        case "tag:yaml.org,2002:float":
            if case .integer(let number) = YAMLCoreSchema.resolve(bytes: bytes) { return .number(Double(number)) }
            return YAMLCoreSchema.resolve(bytes: bytes)
        case "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null":
            return YAMLCoreSchema.resolve(bytes: bytes)
        default:
            return .string(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Hands a finished value to the collection being built, or makes it the document.
    private mutating func deliver(_ value: YAMLValue) {
        valueCount += 1
        if case .sequence(let sequence)? = stack.last, let packed = sequence.numbers { valueCount += packed.count }
        guard valueCount <= maximumValues else {
            fatal = fatal ?? SpecDiagnostic(
                value.location, "the file holds more than \(maximumValues) values that are not lists of plain numbers",
                hint: "move large data to .npy files under the fixtures folder ({npy: PATH})")
            return
        }
        switch stack.last {
        case nil:
            root = value
        case .sequence(let sequence)?:
            sequence.unpack()
            sequence.items.append(value)
        case .mapping(let mapping)?:
            if mapping.skippingValue {
                mapping.skippingValue = false
            } else if let key = mapping.pendingKey {
                mapping.pairs.append((key.name, key.location, value))
                mapping.pendingKey = nil
            } else {
                acceptKey(value, in: mapping)
            }
        }
    }

    private mutating func acceptKey(_ key: YAMLValue, in mapping: MappingFrame) {
        let name: String
        switch key.content {
        case .string(let text): name = text
        case .integer(let value): name = String(value)
        case .bool(let value): name = String(value)
        default:
            diagnostics.append(SpecDiagnostic(key.location, "a mapping key must be a plain word, not \(key.kindName)"))
            mapping.skippingValue = true
            return
        }
        guard mapping.seen.insert(Array(name.utf8)).inserted else {
            diagnostics.append(SpecDiagnostic(key.location, "the key \(UserText.quoted(name)) appears twice in this mapping", hint: "keep one"))
            mapping.skippingValue = true
            return
        }
        mapping.pendingKey = (name, key.location)
    }
}
