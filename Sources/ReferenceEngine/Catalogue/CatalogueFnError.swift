/// The error a catalogue fn raises: its message is what the implementation reports.
struct CatalogueFnError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
