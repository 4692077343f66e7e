/// Text an engine wrote, kept within a bound: a 50 MB error message must not become a 100 MB
/// report. What is cut is said, with how much.
enum EngineText {
    /// The most of one engine-written text kept per case.
    static let maximumBytes = 64 << 10

    /// `text`, or its first `maximumBytes` (on a character boundary) and a note of what was cut.
    static func capped(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.count > maximumBytes else { return text }
        var end = utf8.index(utf8.startIndex, offsetBy: maximumBytes)
        // Back off continuation bytes, so as not to split a scalar.
        while end > utf8.startIndex && utf8[end] & 0xC0 == 0x80 {
            end = utf8.index(before: end)
        }
        let kept = String(text[..<end])
        return kept + " [... cut: \(utf8.count - kept.utf8.count) more bytes the engine wrote]"
    }
}

extension Observation {
    /// The observation with every message the engine wrote capped by `EngineText`.
    func cappingEngineText() -> Observation {
        var capped = self
        capped.telemetry = telemetry?.map { record in
            var record = record
            record.label = record.label.map(EngineText.capped)
            record.mode = record.mode.map(EngineText.capped)
            record.errorKind = record.errorKind.map(EngineText.capped)
            return record
        }
        guard case .failure(var error) = outcome else { return capped }
        error.message = EngineText.capped(error.message)
        error.label = error.label.map(EngineText.capped)
        error.kind = error.kind.map(EngineText.capped)
        error.type = error.type.map(EngineText.capped)
        capped.outcome = .failure(error)
        return capped
    }
}
