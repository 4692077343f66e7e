import Foundation
import TrainingClient
import Yams

extension YAMLValue {
    /// Parses one YAML document.
    /// - Throws: `SpecDiagnostic` at the parser's line and column for malformed YAML.
    static func parse(_ text: String, file: String) throws(SpecDiagnostic) -> YAMLValue {
        let root: Node?
        var shield: YAMLScalarShield?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            // Yams compares keys by canonical equivalence; retry with each non-ASCII scalar
            // behind a stand-in, and let `convert` check duplicates scalar by scalar.
            guard case .duplicatedKeysInMapping = error, let retry = YAMLScalarShield(text),
                let shielded = try? Yams.compose(yaml: retry.text)
            else { throw diagnostic(for: error, file: file) }
            root = shielded
            shield = retry
        } catch {
            throw SpecDiagnostic(.start(of: file), "cannot read YAML: \(error)")
        }
        guard let root else {
            throw SpecDiagnostic(.start(of: file), "the file is empty", hint: "a spec file needs `suite:` and `cases:`")
        }
        return try convert(root, file: file, shield: shield)
    }

    private static func convert(_ node: Node, file: String, shield: YAMLScalarShield?) throws(SpecDiagnostic) -> YAMLValue {
        let location = node.mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
            ?? .start(of: file)
        switch node {
        case .scalar(let scalar):
            if let shield, case .string(let text) = scalarContent(scalar, node: node) {
                return YAMLValue(.string(shield.restore(text)), at: location)
            }
            return YAMLValue(scalarContent(scalar, node: node), at: location)
        case .sequence(let sequence):
            var items: [YAMLValue] = []
            for item in sequence { items.append(try convert(item, file: file, shield: shield)) }
            return YAMLValue(.sequence(items), at: location)
        case .mapping(let mapping):
            var pairs: [(key: String, keyLocation: SourceLocation, value: YAMLValue)] = []
            var seen: Set<ScalarKey> = []  // Unicode scalars, as JSON and Python compare keys
            for (keyNode, valueNode) in mapping {
                let key = try convert(keyNode, file: file, shield: shield)
                guard let name = key.scalarText else {
                    throw SpecDiagnostic(key.location, "a mapping key must be a plain word, not \(key.kindName)")
                }
                guard seen.insert(ScalarKey(name)).inserted else {
                    throw SpecDiagnostic(key.location, "the key '\(name)' appears twice in this mapping", hint: "keep one")
                }
                pairs.append((name, key.location, try convert(valueNode, file: file, shield: shield)))
            }
            return YAMLValue(.mapping(pairs), at: location)
        case .alias:
            throw SpecDiagnostic(location, "YAML aliases are not supported in spec files", hint: "write the value out, or use a fixture file")
        }
    }

    /// Plain untagged scalars by the YAML 1.2 core schema; quoted ones are strings; an
    /// explicit standard tag (`!!float 1`) is honoured.
    private static func scalarContent(_ scalar: Node.Scalar, node: Node) -> Content {
        let text = scalar.string
        switch scalar.tag.rawValue {
        case Tag.Name.implicit.rawValue where scalar.style == .plain:
            return YAMLCoreSchema.resolve(text)
        case Tag.Name.implicit.rawValue, Tag.Name.nonSpecific.rawValue, Tag.Name.str.rawValue:
            return .string(text)
        case Tag.Name.float.rawValue:
            if case .integer(let number) = YAMLCoreSchema.resolve(text) { return .number(Double(number)) }
            return YAMLCoreSchema.resolve(text)
        case Tag.Name.int.rawValue, Tag.Name.bool.rawValue, Tag.Name.null.rawValue:
            return YAMLCoreSchema.resolve(text)
        default:
            return .string(text)
        }
    }

    /// The text of a scalar used as a key; integers and booleans count as their spelling.
    private var scalarText: String? {
        switch content {
        case .string(let text): return text
        case .integer(let value): return String(value)
        case .bool(let value): return String(value)
        default: return nil
        }
    }

    private static func diagnostic(for error: YamlError, file: String) -> SpecDiagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        let hint = "fix the YAML syntax here (indentation, a missing ':' or an unclosed bracket or quote)"
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? problem
            return SpecDiagnostic(at(mark), "invalid YAML: \(detail)", hint: hint)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return SpecDiagnostic(at(context.mark), "duplicate keys \(duplicates) in a mapping", hint: "keep one of each")
        default:
            return SpecDiagnostic(.start(of: file), "invalid YAML: \(error)", hint: hint)
        }
    }
}
