/// A regular expression in ICU's syntax, searched for in a text in time linear in the text
/// (times the pattern's size) and abandoned at a deadline: patterns come from spec files and
/// texts from engines, so neither may decide how long a check takes.
///
/// Compiled to a backtracking program whose visited (instruction, position) pairs are recorded
/// and never explored twice (RE2's "bit state" matcher), so `(a+)+$` cannot backtrack
/// exponentially. A lookaround's or atomic group's result at a position is computed once; a
/// lookahead retried at every position still costs time quadratic in the text, which is what
/// the deadline bounds.
package struct BoundedRegex: Sendable {
    /// A compiled program holds at most this many instructions (`a{1000}` takes 1000).
    package static let maximumProgramSize = 10_000

    package enum Outcome: Sendable, Equatable {
        case matched
        case notMatched
        /// The deadline passed before the search finished.
        case abandoned
    }

    package let pattern: String
    /// `programs[0]` searches; the others are lookaround and atomic bodies, run anchored.
    let programs: [[Instruction]]
    let sets: [RegexScalarSet]
    /// The scalars a plain literal pattern (no class, quantifier, flag, group or assertion)
    /// stands for: most message patterns are, and a direct search finds them without the
    /// program's bookkeeping. nil for every other pattern.
    let literal: [Unicode.Scalar]?
    /// Per program: when it is a greedy `(?s).*` and then straight-line instructions (scalars,
    /// sets, `.`, assertions; no branch, no group), those instructions. Message patterns'
    /// lookaheads are written so (`(?=.*loss_fn)`, `(?!.*\bweight\b)`), and a lookahead only asks
    /// whether the line matches at some position at or after its own: a direct scan answers
    /// that without stepping the star and backtracking over every position it took.
    let scanningBodies: [ArraySlice<Instruction>?]

    enum Instruction: Sendable {
        case scalar(Unicode.Scalar)
        /// The scalar's lowercase mapping, compared with the text's.
        case scalarIgnoringCase(Unicode.Scalar)
        case set(Int, ignoringCase: Bool)
        case any(dotAll: Bool)
        /// Continue at the first target; on failure, at the second.
        case split(Int, Int)
        case jump(Int)
        case assertion(RegexNode.Assertion)
        case lookahead(program: Int, negated: Bool)
        case lookbehind(program: Int, minLength: Int, maxLength: Int, negated: Bool)
        case atomic(program: Int)
        case match
    }

    /// - Throws: `RegexSyntaxError` for a pattern that is not valid, or that compiles too large.
    package init(_ pattern: String) throws(RegexSyntaxError) {
        self.pattern = pattern
        var compiler = Compiler()
        let node = try RegexParser.parse(pattern)
        // The search: `(?s:.)*?` before the pattern tries it at every position, earliest first.
        let main = try compiler.program(node, searching: true)
        programs = [main] + compiler.subprograms
        sets = compiler.sets
        literal = Self.literal(of: programs)
        scanningBodies = programs.map(Self.scanningBody(of:))
    }

    /// The straight line after a program's leading greedy `(?s).*`; nil for any other program.
    private static func scanningBody(of code: [Instruction]) -> ArraySlice<Instruction>? {
        guard code.count >= 4, case .split(1, 3) = code[0], case .any(dotAll: true) = code[1], case .jump(0) = code[2],
            case .match = code[code.count - 1]
        else { return nil }
        let body = code[3..<(code.count - 1)]
        for instruction in body {
            switch instruction {
            case .scalar, .scalarIgnoringCase, .set, .any, .assertion: continue
            default: return nil
            }
        }
        return body
    }

    /// The scalars of a search program that is the search prefix, then only `.scalar`
    /// instructions, then `match`; nil for any other program.
    private static func literal(of programs: [[Instruction]]) -> [Unicode.Scalar]? {
        guard programs.count == 1, let main = programs.first, main.count >= 4,
            case .split(3, 1) = main[0], case .any(dotAll: true) = main[1], case .jump(0) = main[2],
            case .match = main[main.count - 1]
        else { return nil }
        var scalars: [Unicode.Scalar] = []
        for instruction in main[3..<(main.count - 1)] {
            guard case .scalar(let scalar) = instruction else { return nil }
            scalars.append(scalar)
        }
        return scalars
    }

    /// Whether the pattern matches somewhere in `text`, searching at most until `deadline`.
    package func firstMatch(in text: [Unicode.Scalar], deadline: ContinuousClock.Instant) -> Outcome {
        if let literal { return Self.search(literal, in: text, deadline: deadline) }
        return runProgram(in: text, deadline: deadline)
    }

    /// `firstMatch` through the compiled program, whatever the pattern: what a literal's
    /// direct search must agree with.
    func runProgram(in text: [Unicode.Scalar], deadline: ContinuousClock.Instant) -> Outcome {
        var matcher = Matcher(regex: self, text: text, deadline: deadline)
        do {
            return try matcher.run(program: 0, from: 0, requiredEnd: nil) != nil ? .matched : .notMatched
        } catch {
            return .abandoned
        }
    }

    /// Whether `literal` occurs in `text`, scalar for scalar; the clock is read once per
    /// 1024 starting positions, as the program's matcher reads it once per 1024 steps.
    static func search(_ literal: [Unicode.Scalar], in text: [Unicode.Scalar], deadline: ContinuousClock.Instant) -> Outcome {
        guard let first = literal.first else { return .matched }
        guard text.count >= literal.count else { return .notMatched }
        for start in 0...(text.count - literal.count) {
            if start & 1023 == 1023 && ContinuousClock.now > deadline { return .abandoned }
            guard text[start] == first else { continue }
            var offset = 1
            while offset < literal.count && text[start + offset] == literal[offset] { offset += 1 }
            if offset == literal.count { return .matched }
        }
        return .notMatched
    }

    /// `text`'s scalars, at most `maximumUTF16Length` UTF-16 units of them.
    package static func scalars(of text: String, maximumUTF16Length: Int) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        var length = 0
        for scalar in text.unicodeScalars {
            length += scalar.utf16.count
            if length > maximumUTF16Length { break }
            scalars.append(scalar)
        }
        return scalars
    }

    /// `text` with every character that has a meaning in a pattern escaped, so the pattern
    /// matches the text literally (what `NSRegularExpression.escapedPattern(for:)` escapes).
    package static func escapedPattern(for text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            if "*?+[(){}^$|\\./".unicodeScalars.contains(scalar) { escaped.unicodeScalars.append("\\") }
            escaped.unicodeScalars.append(scalar)
        }
        return escaped
    }
}

extension BoundedRegex {
    /// Turns nodes into programs.
    struct Compiler {
        var subprograms: [[Instruction]] = []
        var sets: [RegexScalarSet] = []
        private var size = 0

        mutating func program(_ node: RegexNode, searching: Bool) throws(RegexSyntaxError) -> [Instruction] {
            var code: [Instruction] = []
            if searching {
                code = [.split(3, 1), .any(dotAll: true), .jump(0)]
            }
            try emit(node, into: &code)
            code.append(.match)
            return code
        }

        private mutating func append(_ instruction: Instruction, to code: inout [Instruction]) throws(RegexSyntaxError) {
            size += 1
            guard size <= BoundedRegex.maximumProgramSize else {
                throw RegexSyntaxError("the pattern compiles to more than \(BoundedRegex.maximumProgramSize) instructions; shorten its repetition counts", at: 0)
            }
            code.append(instruction)
        }

        private mutating func subprogram(_ node: RegexNode) throws(RegexSyntaxError) -> Int {
            let code = try program(node, searching: false)
            subprograms.append(code)
            // Program 0 is the search; subprograms follow it.
            return subprograms.count
        }

        private mutating func emit(_ node: RegexNode, into code: inout [Instruction]) throws(RegexSyntaxError) {
            switch node {
            case .empty:
                break
            case .scalar(let scalar, let ignoringCase):
                try append(ignoringCase ? .scalarIgnoringCase(RegexScalarSet.lowercase(scalar)) : .scalar(scalar), to: &code)
            case .set(let set, let ignoringCase):
                sets.append(set)
                try append(.set(sets.count - 1, ignoringCase: ignoringCase), to: &code)
            case .any(let dotAll):
                try append(.any(dotAll: dotAll), to: &code)
            case .assertion(let assertion):
                try append(.assertion(assertion), to: &code)
            case .concatenation(let parts):
                for part in parts { try emit(part, into: &code) }
            case .alternation(let branches):
                var exits: [Int] = []
                for (offset, branch) in branches.enumerated() {
                    if offset == branches.count - 1 {
                        try emit(branch, into: &code)
                    } else {
                        let split = code.count
                        try append(.split(split + 1, -1), to: &code)
                        try emit(branch, into: &code)
                        exits.append(code.count)
                        try append(.jump(-1), to: &code)
                        code[split] = .split(split + 1, code.count)
                    }
                }
                for exit in exits { code[exit] = .jump(code.count) }
            case .repetition(let body, let min, let max, let kind):
                if kind == .possessive {
                    try emit(.atomic(.repetition(body, min: min, max: max, kind: .greedy)), into: &code)
                    return
                }
                for _ in 0..<min { try emit(body, into: &code) }
                if let max {
                    // Each optional copy may be skipped, and skipping one skips the rest.
                    var splits: [Int] = []
                    for _ in min..<Swift.max(min, max) {
                        splits.append(code.count)
                        try append(.split(-1, -1), to: &code)
                        try emit(body, into: &code)
                    }
                    for split in splits {
                        code[split] = kind == .lazy ? .split(code.count, split + 1) : .split(split + 1, code.count)
                    }
                } else {
                    let loop = code.count
                    try append(.split(-1, -1), to: &code)
                    try emit(body, into: &code)
                    try append(.jump(loop), to: &code)
                    code[loop] = kind == .lazy ? .split(code.count, loop + 1) : .split(loop + 1, code.count)
                }
            case .lookahead(let body, let negated):
                let program = try subprogram(body)
                try append(.lookahead(program: program, negated: negated), to: &code)
            case .lookbehind(let body, let negated):
                let bounds = body.lengthBounds
                let program = try subprogram(body)
                try append(.lookbehind(program: program, minLength: bounds.min, maxLength: bounds.max ?? bounds.min, negated: negated), to: &code)
            case .atomic(let body):
                let program = try subprogram(body)
                try append(.atomic(program: program), to: &code)
            }
        }
    }
}

extension BoundedRegex {
    /// Thrown when the deadline passes.
    struct Abandoned: Error {}

    /// One search: the text, the visited states of every program, and the results of
    /// lookarounds and atomic groups by position.
    struct Matcher {
        /// The clock is read once per this many steps.
        private static let stepsPerClockCheck = 1024

        let regex: BoundedRegex
        let text: [Unicode.Scalar]
        let deadline: ContinuousClock.Instant
        private var steps = 0
        /// Per program: a bit per (instruction, position), allocated on first use.
        private var visited: [[UInt64]]
        /// Per program: the result at each position; -2 unknown, -1 no match, else the end.
        private var memo: [[Int]]
        /// Per scanning lookahead: for each position, the first position at or after it where
        /// its body matches; -1 none, -2 not known yet.
        private var nextBodyMatch: [[Int]]
        private var lowercased: [Unicode.Scalar]?

        init(regex: BoundedRegex, text: [Unicode.Scalar], deadline: ContinuousClock.Instant) {
            self.regex = regex
            self.text = text
            self.deadline = deadline
            visited = Array(repeating: [], count: regex.programs.count)
            memo = Array(repeating: [], count: regex.programs.count)
            nextBodyMatch = Array(repeating: [], count: regex.programs.count)
        }

        /// Runs `program` anchored at `start`; the end of its first match in priority order (for a
        /// lookbehind, only a match ending at `requiredEnd`), or nil.
        mutating func run(program: Int, from start: Int, requiredEnd: Int?) throws(Abandoned) -> Int? {
            let code = regex.programs[program]
            let width = text.count + 1
            // This program's bits, taken out while it runs and put back after, so that each step
            // writes one array in place rather than an array inside an array. A run never
            // re-enters its own program: lookarounds and atomic groups are other programs.
            var seen = visited[program]
            visited[program] = []
            if seen.isEmpty {
                seen = Array(repeating: 0, count: (code.count * width + 63) / 64)
            }
            defer { visited[program] = seen }
            // Words this run set: cleared after a match, since the states on the matching path
            // did not fail. The states of a run that found nothing failed for good, except that
            // a lookbehind's run failed for its own required end only.
            var touched: [Int] = []
            var stack: [(pc: Int, position: Int)] = [(0, start)]
            var matchEnd: Int?
            search: while let state = stack.popLast() {
                var pc = state.pc
                var position = state.position
                while true {
                    let key = pc &* width &+ position
                    let word = key >> 6
                    let bit: UInt64 = 1 << UInt64(key & 63)
                    let bits = seen[word]
                    if bits & bit != 0 { continue search }
                    if bits == 0 { touched.append(word) }
                    seen[word] = bits | bit
                    steps &+= 1
                    if steps % Self.stepsPerClockCheck == 0 && ContinuousClock.now > deadline { throw Abandoned() }
                    switch code[pc] {
                    case .scalar, .scalarIgnoringCase, .set, .any, .assertion:
                        guard let next = consume(code[pc], at: position) else { continue search }
                        pc += 1
                        position = next
                    case .split(let first, let second):
                        stack.append((second, position))
                        // A greedy `(?s).*` (this split, `any`, a jump back here), as message
                        // patterns' lookaheads write it: its loop is stepped below state for
                        // state as its instructions would step it (the same states visited,
                        // counted and stacked, in the same order), without decoding each one.
                        guard first == pc + 1, second == pc + 3, second < code.count,
                            case .any(dotAll: true) = code[first], case .jump(let back) = code[pc + 2], back == pc
                        else {
                            pc = first
                            continue
                        }
                        var loopPosition = position
                        greedy: while true {
                            // (pc + 1, p) takes a scalar; then (pc + 2, p + 1) jumps to (pc, p + 1).
                            for offset in 0..<3 {
                                if offset == 1 && loopPosition >= text.count { break greedy }
                                let statePC = offset == 0 ? pc + 1 : offset == 1 ? pc + 2 : pc
                                let stateKey = statePC &* width &+ (offset == 0 ? loopPosition : loopPosition + 1)
                                let stateWord = stateKey >> 6
                                let stateBit: UInt64 = 1 << UInt64(stateKey & 63)
                                let stateBits = seen[stateWord]
                                if stateBits & stateBit != 0 { break greedy }
                                if stateBits == 0 { touched.append(stateWord) }
                                seen[stateWord] = stateBits | stateBit
                                steps &+= 1
                                if steps % Self.stepsPerClockCheck == 0 && ContinuousClock.now > deadline { throw Abandoned() }
                            }
                            loopPosition += 1
                            stack.append((second, loopPosition))
                        }
                        continue search
                    case .jump(let target):
                        pc = target
                    case .lookahead(let sub, let negated):
                        let found = if let body = regex.scanningBodies[sub] {
                            try scan(sub, body: body, from: position)
                        } else {
                            try result(of: sub, at: position) != nil
                        }
                        guard found != negated else { continue search }
                        pc += 1
                    case .lookbehind(let sub, let minLength, let maxLength, let negated):
                        guard try (lookbehind(sub, at: position, minLength: minLength, maxLength: maxLength)) != negated else { continue search }
                        pc += 1
                    case .atomic(let sub):
                        guard let end = try result(of: sub, at: position) else { continue search }
                        pc += 1
                        position = end
                    case .match:
                        if let requiredEnd, position != requiredEnd { continue search }
                        matchEnd = position
                        break search
                    }
                }
            }
            if matchEnd != nil || requiredEnd != nil {
                for word in touched { seen[word] = 0 }
            }
            return matchEnd
        }

        /// Where a straight-line instruction leaves the text when it holds at `position`; nil when it does not.
        private mutating func consume(_ instruction: Instruction, at position: Int) -> Int? {
            switch instruction {
            case .scalar(let scalar):
                guard position < text.count, text[position] == scalar else { return nil }
                return position + 1
            case .scalarIgnoringCase(let scalar):
                guard position < text.count, lowercase(at: position) == scalar else { return nil }
                return position + 1
            case .set(let index, let ignoringCase):
                guard position < text.count else { return nil }
                let set = regex.sets[index]
                guard ignoringCase ? set.containsIgnoringCase(text[position]) : set.contains(text[position]) else { return nil }
                return position + 1
            case .any(let dotAll):
                guard position < text.count, dotAll || !RegexScalarSet.isLineTerminator(text[position]) else { return nil }
                return position + 1
            case .assertion(let assertion):
                return holds(assertion, at: position) ? position : nil
            case .split, .jump, .lookahead, .lookbehind, .atomic, .match:
                return nil  // never: the callers pass only straight-line instructions
            }
        }

        /// Whether a scanning lookahead (`scanningBodies`) holds at `position`: whether its body
        /// matches at some position from there on. Each position's answer is kept, so that a
        /// lookahead retried at every position scans the text once.
        private mutating func scan(_ program: Int, body: ArraySlice<Instruction>, from position: Int) throws(Abandoned) -> Bool {
            if nextBodyMatch[program].isEmpty { nextBodyMatch[program] = Array(repeating: -2, count: text.count + 1) }
            var start = position
            var found = -1
            scanning: while start <= text.count {
                let known = nextBodyMatch[program][start]
                if known != -2 {
                    found = known
                    break
                }
                steps &+= 1
                if steps % Self.stepsPerClockCheck == 0 && ContinuousClock.now > deadline { throw Abandoned() }
                var end = start
                for instruction in body {
                    guard let next = consume(instruction, at: end) else {
                        start += 1
                        continue scanning
                    }
                    end = next
                }
                found = start
                break
            }
            for skipped in position..<min(start + 1, text.count + 1) { nextBodyMatch[program][skipped] = found }
            return found >= 0
        }

        /// A lookahead's or atomic group's result at `position` (the end of its match), computed once.
        private mutating func result(of program: Int, at position: Int) throws(Abandoned) -> Int? {
            if memo[program].isEmpty { memo[program] = Array(repeating: -2, count: text.count + 1) }
            if memo[program][position] == -2 {
                memo[program][position] = try run(program: program, from: position, requiredEnd: nil) ?? -1
            }
            let end = memo[program][position]
            return end >= 0 ? end : nil
        }

        /// Whether a lookbehind's body matches a stretch of the text ending at `position`, computed once.
        private mutating func lookbehind(_ program: Int, at position: Int, minLength: Int, maxLength: Int) throws(Abandoned) -> Bool {
            if memo[program].isEmpty { memo[program] = Array(repeating: -2, count: text.count + 1) }
            if memo[program][position] == -2 {
                var found = false
                if position >= minLength {
                    for begin in Swift.max(0, position - maxLength)...(position - minLength) where !found {
                        found = try run(program: program, from: begin, requiredEnd: position) != nil
                    }
                }
                memo[program][position] = found ? position : -1
            }
            return memo[program][position] >= 0
        }

        private mutating func lowercase(at position: Int) -> Unicode.Scalar {
            if lowercased == nil { lowercased = text.map(RegexScalarSet.lowercase) }
            return lowercased?[position] ?? text[position]
        }

        private func holds(_ assertion: RegexNode.Assertion, at position: Int) -> Bool {
            let count = text.count
            switch assertion {
            case .inputStart:
                return position == 0
            case .inputEnd:
                return position == count
            case .lineStart(let multiline):
                if position == 0 { return true }
                guard multiline, position < count, RegexScalarSet.isLineTerminator(text[position - 1]) else { return false }
                return !(text[position - 1] == "\r" && text[position] == "\n")
            case .lineEnd(multiline: true):
                if position == count { return true }
                guard RegexScalarSet.isLineTerminator(text[position]) else { return false }
                return !(position > 0 && text[position - 1] == "\r" && text[position] == "\n")
            case .lineEnd(multiline: false), .inputEndBeforeFinalTerminator:
                if position == count { return true }
                if position == count - 1 { return RegexScalarSet.isLineTerminator(text[position]) }
                return position == count - 2 && text[position] == "\r" && text[position + 1] == "\n"
            case .wordBoundary(let negated):
                let before = position > 0 && RegexScalarSet.isWord(text[position - 1])
                let after = position < count && RegexScalarSet.isWord(text[position])
                return (before != after) != negated
            }
        }
    }
}
