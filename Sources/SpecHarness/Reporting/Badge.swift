/// One engine's status badge, as Bowtie publishes per implementation: `regspec 2.x | 156/156`,
/// coloured by the run's verdict, as a shields.io endpoint JSON and as a self-contained SVG
/// (no font or image fetched), so a README can show it from any static host.
package struct Badge: Sendable, Equatable {
    /// The engine, named in the SVG's title (what a screen reader and a hover show).
    package var engine: String
    /// `regspec 2.x`: the suite's major version, which decides what conforming means.
    package var label: String
    /// `passed/cases`, or why nothing can be counted.
    package var message: String
    /// A shields.io colour name: `brightgreen`, `yellow` or `red`.
    package var color: String

    package init(engine: String, label: String, message: String, color: String) {
        self.engine = engine
        self.label = label
        self.message = message
        self.color = color
    }

    /// Green when the run passes with every case passed; yellow when it passes with cases
    /// skipped or expected to fail (or a partial engine allowed); red when it fails.
    package init(_ document: ReportDocument, engine: String) {
        self.engine = engine
        let major = document.suite.version.split(separator: ".").first.map(String.init) ?? ""
        label = major.isEmpty || !major.allSatisfy(\.isNumber) ? "regspec \(document.suite.version)" : "regspec \(major).x"
        if !document.problems.isEmpty {
            message = "spec errors"
        } else {
            message = "\(document.count(.passed))/\(document.cases.count)" + (document.incomplete ? " (incomplete)" : "")
        }
        let complete = document.count(.passed) == document.cases.count && document.verdictNotes.isEmpty
        color = !document.succeeded ? "red" : complete && !document.cases.isEmpty ? "brightgreen" : "yellow"
    }

    /// shields.io's endpoint schema: https://shields.io/badges/endpoint-badge
    package var endpointJSON: String {
        let fields: [(String, JSONValue)] = [
            ("schemaVersion", .integer(1)), ("label", .string(label)), ("message", .string(message)), ("color", .string(color)),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1.serialized())" }.joined(separator: ",") + "}\n"
    }

    /// The colour as shields.io draws it.
    private var fill: String {
        switch color {
        case "brightgreen": return "#4c1"
        case "yellow": return "#dfb317"
        default: return "#e05d44"
        }
    }

    /// A flat badge in shields.io's layout; widths from an estimate of Verdana 11 px, so the
    /// file needs nothing else to draw.
    package var svg: String {
        let x = { (text: String) in TextEscaping.xml(text) }
        let labelWidth = Self.textWidth(label) + 10
        let messageWidth = Self.textWidth(message) + 10
        let width = labelWidth + messageWidth
        let title = "\(engine): \(label) \(message)"
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="20" role="img" aria-label="\(TextEscaping.xml(title, attribute: true))">\
            <title>\(x(title))</title>\
            <linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>\
            <clipPath id="r"><rect width="\(width)" height="20" rx="3" fill="#fff"/></clipPath>\
            <g clip-path="url(#r)"><rect width="\(labelWidth)" height="20" fill="#555"/>\
            <rect x="\(labelWidth)" width="\(messageWidth)" height="20" fill="\(fill)"/>\
            <rect width="\(width)" height="20" fill="url(#s)"/></g>\
            <g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">\
            <text x="\(labelWidth / 2)" y="14">\(x(label))</text>\
            <text x="\(labelWidth + messageWidth / 2)" y="14">\(x(message))</text></g></svg>

            """
    }

    /// About Verdana 11 px: 7 px a character, narrow ones less; bounded so hostile text cannot
    /// make a badge miles wide (the text is clipped instead).
    static func textWidth(_ text: String) -> Int {
        let narrow = Set("ilj.,:;!|/ ()[]'1tfr")
        let width = text.prefix(200).reduce(0) { $0 + (narrow.contains($1) ? 4 : 7) }
        return max(width, 7)
    }

    /// `DIR/NAME.json` and `DIR/NAME.svg` names for each engine label, in order: characters
    /// other than ASCII letters, digits, `.`, `_` and `-` become `-`, leading dots and dashes go, and
    /// two labels that would share a name get `-2`, `-3`, ...
    package static func fileNames(for labels: [String]) -> [String] {
        var used: Set<String> = []
        return labels.map { label in
            var name = String(label.unicodeScalars.prefix(80).map { scalar -> Character in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "-"
            })
            // No hidden file, nothing a shell reads as an option.
            name = String(name.drop { $0 == "." || $0 == "-" })
            if name.allSatisfy({ $0 == "-" }) { name = "engine" }
            var unique = name
            var suffix = 2
            while used.contains(unique.lowercased()) {
                unique = "\(name)-\(suffix)"
                suffix += 1
            }
            used.insert(unique.lowercased())
            return unique
        }
    }
}
