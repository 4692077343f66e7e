import TinkerWire

/// The language-neutral error kind names, as engines report them.
enum ErrorKindNames {
    static let all = Set(CustomLossErrorKind.allCases.map(\.rawValue))
}
