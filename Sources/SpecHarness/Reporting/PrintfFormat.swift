#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// printf-style formatting (`%.2f`, `%04X`) by C's `vsnprintf`, in the C locale, as
/// `String(format:)` formats: Foundation's `String(format:)` would link ICU into the binary.
package enum PrintfFormat {
    package static func string(_ format: String, _ arguments: any CVarArg...) -> String {
        // A va_list is consumed by one call: measure with one, write with another.
        let needed = withVaList(arguments) { vsnprintf(nil, 0, format, $0) }
        guard needed > 0 else { return "" }
        var buffer = [CChar](repeating: 0, count: Int(needed) + 1)
        let written = withVaList(arguments) { vsnprintf(&buffer, buffer.count, format, $0) }
        guard written >= 0 else { return "" }
        return String(decoding: buffer.prefix(Int(min(written, needed))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
