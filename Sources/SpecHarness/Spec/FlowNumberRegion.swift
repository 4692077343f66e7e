/// One flow sequence of plain numbers (`[1, -2.5, 3e2]`) that `FlowNumberScanner` read
/// before libyaml, which then sees it as `[]`.
struct FlowNumberRegion {
    /// Byte offset of the `[`.
    let start: Int
    /// Byte offset just after the `]`.
    let end: Int
    /// Line breaks between the brackets.
    let lineBreaks: Int
    /// With line breaks, the bytes after the last one up to and including the `]`: the column
    /// just after the list, counted from 0.
    let lastLineLength: Int
    /// The numbers, lines counted from the `[`'s line as 0, columns on that line counted from the
    /// `[` as 0 and on later lines from 1; `NumberList.shift` places them once libyaml has placed the `[`.
    var numbers: NumberList
}
