internal import CLibYAML
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bounds on one YAML document, so no input can make the loader hang or exhaust memory.
package struct YAMLLimits: Sendable, Equatable {
    /// The most bytes read from one file; aliases are rejected, so a document is never larger than its text.
    package var maximumBytes: Int
    /// The deepest nesting of lists and mappings.
    package var maximumDepth: Int
    /// The most values other than packed numbers (each costs about 60 bytes, whatever its
    /// text); hand-written spec files hold thousands, large arrays are packed.
    package var maximumValues: Int

    package init(maximumBytes: Int = 1 << 30, maximumDepth: Int = 200, maximumValues: Int = 5_000_000) {
        self.maximumBytes = maximumBytes
        self.maximumDepth = maximumDepth
        self.maximumValues = maximumValues
    }
}

extension YAMLValue {
    /// Parses one YAML document held in memory.
    /// - Throws: the first problem as a `SpecDiagnostic` at its line and column.
    static func parse(_ text: String, file: String, limits: YAMLLimits = YAMLLimits()) throws(SpecDiagnostic) -> YAMLValue {
        let parsed = parse(YAMLByteSource(origin: .bytes(Array(text.utf8)), limit: limits.maximumBytes), file: file, limits: limits)
        if let first = parsed.diagnostics.first { throw first }
        guard let value = parsed.value else { throw SpecDiagnostic(.start(of: file), "cannot read YAML") }
        return value
    }

    /// Parses one YAML document from a file, streaming it through libyaml's event API.
    /// - Returns: the document, when it could be built, and every problem found (duplicate
    ///   keys and keys that are not words leave the rest of the document usable).
    static func parse(fileAtPath path: String, displayName: String, limits: YAMLLimits = YAMLLimits())
        -> (value: YAMLValue?, diagnostics: [SpecDiagnostic])
    {
        guard let source = YAMLByteSource.file(atPath: path, limit: limits.maximumBytes) else {
            return (nil, [SpecDiagnostic(.start(of: displayName), "cannot open the file: \(String(cString: strerror(errno)))")])
        }
        return parse(source, file: displayName, limits: limits)
    }

    /// Parses a document, reading its lists of plain numbers before libyaml when it can
    /// (`parseWithPackedLists`); `packingLists: false` leaves everything to libyaml, as the
    /// tests compare.
    static func parse(_ source: YAMLByteSource, file: String, limits: YAMLLimits, packingLists: Bool = true)
        -> (value: YAMLValue?, diagnostics: [SpecDiagnostic])
    {
        if packingLists, let parsed = parseWithPackedLists(source, file: file, limits: limits) { return parsed }
        return parseEvents(source, file: file, limits: limits)
    }

    /// The document with its flow sequences of plain numbers read by `FlowNumberScanner` and
    /// handed to libyaml as `[]`, so large inline arrays load at the speed of the pre-pass.
    ///
    /// The result is what libyaml alone gives, or nil: each region must be opened by libyaml as a
    /// flow sequence at its `[` and closed at once, every region must be met, and the document
    /// must load without any problem (an error, a duplicate key, a list used as a key). A
    /// problem's place or message could differ in the shortened text, so any problem means the
    /// document is read again by libyaml alone, which words it.
    static func parseWithPackedLists(_ source: YAMLByteSource, file: String, limits: YAMLLimits)
        -> (value: YAMLValue?, diagnostics: [SpecDiagnostic])?
    {
        guard let scan = FlowNumberScanner.scan(source, limit: limits.maximumBytes, file: file), !scan.regions.isEmpty else { return nil }
        // Consumed: the input moves each region's numbers into the tree, and a second owner
        // would make that a copy.
        let input = SubstitutedYAMLInput(source: source, scan: consume scan)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else { return nil }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input(parser, { data, buffer, size, sizeRead in
            guard let data, let buffer, let sizeRead else { return 0 }
            let input = Unmanaged<SubstitutedYAMLInput>.fromOpaque(data).takeUnretainedValue()
            guard let count = input.read(into: buffer, size: size) else { return 0 }
            sizeRead.pointee = count
            return 1
        }, Unmanaged.passUnretained(input).toOpaque())

        var builder = YAMLTreeBuilder(file: file, maximumDepth: limits.maximumDepth, maximumValues: limits.maximumValues)
        var event = yaml_event_t()
        // The region whose list is open, until its end event.
        var open: (region: Int, index: Int)?
        while builder.fatal == nil {
            guard yaml_parser_parse(parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            if let region = open {
                guard event.type == YAML_SEQUENCE_END_EVENT, event.start_mark.index == region.index + 1 else { return nil }
                open = nil
            } else if let awaited = input.awaited {
                if event.type == YAML_SEQUENCE_START_EVENT, event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE,
                    event.end_mark.index == awaited.index + 1
                {
                    let place = input.translate(line: event.start_mark.line, column: event.start_mark.column, index: event.start_mark.index)
                    builder.handle(event, line: place.line + 1, column: place.column + 1)
                    let numbers = input.confirm(openerLine: event.end_mark.line, openerColumn: event.end_mark.column - 1)
                    guard builder.packIntoOpenSequence(numbers) else { return nil }
                    open = awaited
                    continue
                }
                // libyaml went past the region's `[` without opening a list there: it is in a
                // string, a comment or a block scalar.
                guard event.start_mark.index <= awaited.index else { return nil }
            }
            let place = input.translate(line: event.start_mark.line, column: event.start_mark.column, index: event.start_mark.index)
            builder.handle(event, line: place.line + 1, column: place.column + 1)
            if event.type == YAML_STREAM_END_EVENT { break }
        }
        guard builder.fatal == nil, builder.diagnostics.isEmpty, input.allConfirmed, let root = builder.root else { return nil }
        return (root, [])
    }

    /// The document as libyaml's events give it.
    static func parseEvents(_ source: YAMLByteSource, file: String, limits: YAMLLimits) -> (value: YAMLValue?, diagnostics: [SpecDiagnostic]) {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            return (nil, [SpecDiagnostic(.start(of: file), "cannot start the YAML parser (out of memory)")])
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input(parser, { data, buffer, size, sizeRead in
            guard let data, let buffer, let sizeRead else { return 0 }
            let source = Unmanaged<YAMLByteSource>.fromOpaque(data).takeUnretainedValue()
            guard let count = source.read(into: buffer, size: size) else { return 0 }
            sizeRead.pointee = count
            return 1
        }, Unmanaged.passUnretained(source).toOpaque())

        var builder = YAMLTreeBuilder(file: file, maximumDepth: limits.maximumDepth, maximumValues: limits.maximumValues)
        var event = yaml_event_t()
        while builder.fatal == nil {
            guard yaml_parser_parse(parser, &event) == 1 else {
                builder.fatal = parserDiagnostic(parser.pointee, source: source, file: file)
                break
            }
            let finished = event.type == YAML_STREAM_END_EVENT
            builder.handle(event)
            yaml_event_delete(&event)
            if finished { break }
        }
        if let fatal = builder.fatal { return (nil, builder.diagnostics + [fatal]) }
        guard let root = builder.root else {
            return (nil, builder.diagnostics + [SpecDiagnostic(.start(of: file), "the file is empty", hint: "a spec file needs `suite:` and `cases:`")])
        }
        return (root, builder.diagnostics)
    }

    /// libyaml's error, at its line and column; reader errors carry only a byte offset, so
    /// the line and column are counted from the input.
    private static func parserDiagnostic(_ parser: yaml_parser_t, source: YAMLByteSource, file: String) -> SpecDiagnostic {
        let hint = "fix the YAML syntax here (indentation, a missing ':' or an unclosed bracket or quote)"
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        func mark(_ mark: yaml_mark_t) -> SourceLocation {
            SourceLocation(file: file, line: mark.line + 1, column: mark.column + 1)
        }
        switch parser.error {
        case YAML_MEMORY_ERROR:
            return SpecDiagnostic(.start(of: file), "out of memory while reading YAML")
        case YAML_READER_ERROR:
            if source.exceededLimit {
                return SpecDiagnostic(
                    .start(of: file), "the file is larger than \(source.limit) bytes, the most a spec file may hold",
                    hint: "move large arrays to .npy files under the fixtures folder ({npy: PATH})")
            }
            let offset = parser.problem_offset
            let position = TextPosition.of(byteOffset: offset, in: source.prefix(offset + 4))
            let value = parser.problem_value
            let unit = problem.contains("octet") ? "byte" : "character"
            let detail = value == -1 ? problem : "\(problem) (\(unit) 0x\(String(value, radix: 16, uppercase: true)))"
            return SpecDiagnostic(
                SourceLocation(file: file, line: position.line, column: position.column), "invalid YAML: \(detail)",
                hint: "spec files are UTF-8 text without control characters other than tab and line breaks")
        default:
            if problem.hasPrefix("Maximum nesting level") {
                return SpecDiagnostic(
                    mark(parser.problem_mark), "lists and mappings are nested more deeply than libyaml allows",
                    hint: "spec files need a few levels")
            }
            let context = parser.context.map { String(cString: $0) }
            let contextMark = mark(parser.context_mark)
            let detail = context.map { "\(problem) (\($0) at line \(contextMark.line), column \(contextMark.column))" } ?? problem
            return SpecDiagnostic(mark(parser.problem_mark), "invalid YAML: \(detail)", hint: hint)
        }
    }
}
