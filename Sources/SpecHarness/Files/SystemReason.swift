#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file operation failed, in the system's words (`strerror`: "No space left on device"),
/// since a file error's own description often names neither the reason nor the path.
package enum SystemReason {
    /// The reason behind `error`, else the error itself.
    package static func of(_ error: any Error) -> String {
        let posix = (error as? POSIXError) ?? ((error as? CocoaError)?.underlying as? POSIXError)
        if let posix { return String(cString: strerror(posix.code.rawValue)) }
        return "\(error)"
    }
}
