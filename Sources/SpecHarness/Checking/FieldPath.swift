import TinkerWire

/// A path of keys into a result, e.g. `metrics.regularizers.l2.value` or `gradient`.
///
/// Written with `.` between keys; a key that holds a `.` or a `\` escapes it (`\.`, `\\`),
/// so every key can be named: `regularizers.kl\.k3.custom` is `[regularizers, "kl.k3", custom]`.
/// Keys compare as sequences of Unicode scalars, as Python compares `str` and JSON keys.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var keys: [String]

    public init(_ keys: [String]) {
        self.keys = keys
    }

    /// A literal in code; a malformed one becomes a path no result holds, never a trap.
    public init(stringLiteral value: String) {
        self = (try? FieldPath(parsing: value)) ?? FieldPath([value])
    }

    /// Reads the dotted form.
    /// - Throws: `FieldPath.SyntaxError` for an empty key or an escape other than `\.` and `\\`.
    public init(parsing text: String) throws(SyntaxError) {
        var keys: [String] = []
        var current = ""
        var escaping = false
        for character in text.unicodeScalars {
            if escaping {
                guard character == "." || character == "\\" else {
                    throw SyntaxError("'\\\(character)' is not an escape; write '\\.' for a dot in a key and '\\\\' for a backslash")
                }
                current.unicodeScalars.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character == "." {
                keys.append(current)
                current = ""
            } else {
                current.unicodeScalars.append(character)
            }
        }
        guard !escaping else { throw SyntaxError("it ends in a lone '\\'; write '\\\\' for a backslash") }
        keys.append(current)
        guard !keys.contains(where: \.isEmpty) else {
            throw SyntaxError("it has an empty key (a leading, trailing or doubled '.'); to name a key holding a dot, escape it as '\\.'")
        }
        self.keys = keys
    }

    /// The dotted form, escaped so that it reads back as the same keys.
    public var description: String {
        keys.map(Self.escaped).joined(separator: ".")
    }

    /// A key with `\` and `.` escaped; most keys have neither and are returned as they are.
    private static func escaped(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "\\") }) else { return key }
        var result = ""
        for scalar in key.unicodeScalars {
            if scalar == "." || scalar == "\\" { result.unicodeScalars.append("\\") }
            result.unicodeScalars.append(scalar)
        }
        return result
    }

    /// Whether `self` is `other` or lies inside it (`metrics.a.b` starts with `metrics.a`).
    public func starts(with other: FieldPath) -> Bool {
        other.keys.count <= keys.count && zip(keys, other.keys).allSatisfy(Self.sameKey)
    }

    public func appending(_ key: String) -> FieldPath {
        FieldPath(keys + [key])
    }

    /// `metrics.base_loss.custom` or `metrics.regularizers.NAME.custom`: a fn's custom map,
    /// which must hold exactly that fn's metrics.
    var isCustomMap: Bool {
        switch keys.count {
        case 3: return keys[0] == "metrics" && keys[1] == "base_loss" && keys[2] == "custom"
        case 4: return keys[0] == "metrics" && keys[1] == "regularizers" && keys[3] == "custom"
        default: return false
        }
    }

    public var parent: FieldPath? {
        keys.count > 1 ? FieldPath(Array(keys.dropLast())) : nil
    }

    public static func == (lhs: FieldPath, rhs: FieldPath) -> Bool {
        lhs.keys.count == rhs.keys.count && zip(lhs.keys, rhs.keys).allSatisfy(sameKey)
    }

    public func hash(into hasher: inout Hasher) {
        for key in keys {
            hasher.combine(key.unicodeScalars.count)
            for scalar in key.unicodeScalars { hasher.combine(scalar.value) }
        }
    }

    /// Scalar by scalar: "café" (U+00E9) and "cafe\u{301}" are two keys.
    static func sameKey(_ lhs: String, _ rhs: String) -> Bool {
        ScalarKey.same(lhs, rhs)  // equal UTF-8 bytes are equal scalars
    }

    /// Why a dotted path does not read.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}
