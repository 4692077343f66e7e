/// "1 case", "2 cases": a count with its noun in the right number, for every line a person reads.
package func counted(_ count: Int, _ singular: String, plural: String? = nil) -> String {
    "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
}
