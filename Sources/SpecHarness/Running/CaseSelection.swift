#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which cases of a suite to run: by id pattern, tags, or one id.
package struct CaseSelection: Sendable {
    /// A regular expression searched in each case id.
    package var idPattern: String?
    /// Run only cases carrying at least one of these tags (all cases when empty).
    package var tags: [String]
    /// Skip cases carrying any of these tags.
    package var excludedTags: [String]
    /// Run only the cases with exactly these ids (all cases when empty).
    package var caseIDs: [String]
    /// Run only this part of the suite.
    package var shard: Shard?

    package init(
        idPattern: String? = nil, tags: [String] = [], excludedTags: [String] = [], caseIDs: [String] = [],
        shard: Shard? = nil
    ) {
        self.idPattern = idPattern
        self.tags = tags
        self.excludedTags = excludedTags
        self.caseIDs = caseIDs
        self.shard = shard
    }

    /// The selected cases, in their suite order.
    /// - Throws: `SelectionError` for an invalid pattern.
    package func apply(to cases: [SpecCase]) throws -> [SpecCase] {
        let regex = try idPattern.map { pattern in
            do {
                return try BoundedRegex(pattern)
            } catch {
                throw SelectionError.invalidPattern(pattern)
            }
        }
        let ids = Set(caseIDs)
        return cases.filter { specCase in
            if !ids.isEmpty && !ids.contains(specCase.id) { return false }
            if let shard, !shard.contains(specCase.id) { return false }
            if let regex, regex.firstMatch(in: Array(specCase.id.unicodeScalars), deadline: .now + MessagePattern.defaultBudget) != .matched {
                return false
            }
            if !tags.isEmpty && !specCase.tags.contains(where: tags.contains) { return false }
            return !specCase.tags.contains(where: excludedTags.contains)
        }
    }
}

/// A selection that cannot be applied.
package enum SelectionError: Error, CustomStringConvertible {
    /// The id pattern is not a regular expression.
    case invalidPattern(String)

    package var description: String {
        switch self {
        case .invalidPattern(let pattern): "the id pattern \(UserText.quoted(pattern)) is not a valid regular expression"
        }
    }
}
