import Foundation

/// The compute benchmark's call as a plain C loop (`bench/fused_call.c`), compiled with
/// `gcc -O2` into a temporary folder when the benchmark starts and timed in this process on
/// the same arrays as the Swift call: what the same arithmetic costs without a client around it.
final class CLoopComparison {
    typealias FusedCall = @convention(c) (
        UnsafePointer<Double>?, UnsafePointer<Double>?, UnsafePointer<Double>?, Int,
        UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Int>?
    ) -> Double

    /// What was built, for the table.
    let summary: String
    private let handle: UnsafeMutableRawPointer
    private let function: FusedCall

    /// Compiles and loads the loop, or says why there is none.
    static func build(source: String = "bench/fused_call.c", compiler: String = "gcc") -> Result<CLoopComparison, ValidationFailure> {
        guard FileManager.default.fileExists(atPath: source) else {
            return .failure(ValidationFailure("no \(source) here; run from the package root"))
        }
        let folder = NSTemporaryDirectory() + "regspec-bench-c-\(UUID().uuidString)"
        let library = folder + "/fused_call.so"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [compiler, "-O2", "-shared", "-fPIC", "-o", library, source, "-lm"]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                return .failure(ValidationFailure(
                    "\(compiler) -O2 \(source) exited with \(process.terminationStatus): \(String(decoding: message, as: UTF8.self).prefix(300))"))
            }
            // Loaded before the folder is removed; the mapping outlives the file.
            guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
                return .failure(ValidationFailure("cannot load the C loop: \(dlerror().map { String(cString: $0) } ?? "dlopen failed")"))
            }
            guard let symbol = dlsym(handle, "regspec_fused_call") else {
                dlclose(handle)
                return .failure(ValidationFailure("the C loop has no regspec_fused_call"))
            }
            return .success(CLoopComparison(
                summary: "\(compiler) -O2, \(source)", handle: handle, function: unsafeBitCast(symbol, to: FusedCall.self)))
        } catch {
            return .failure(ValidationFailure("cannot build the C loop with \(compiler): \(error)"))
        }
    }

    private init(summary: String, handle: UnsafeMutableRawPointer, function: FusedCall) {
        self.summary = summary
        self.handle = handle
        self.function = function
    }

    deinit { dlclose(handle) }

    /// One batch's inputs laid out flat, and the buffers the loop writes, kept between calls
    /// as a C caller would keep them.
    final class Arrays {
        let logprobs: [Double], weights: [Double], references: [Double]
        var partial: [Double], sent: [Float]

        init(logprobs: [Double], weights: [Double], references: [Double]) {
            self.logprobs = logprobs
            self.weights = weights
            self.references = references
            partial = [Double](repeating: 0, count: logprobs.count)
            sent = [Float](repeating: 0, count: logprobs.count)
        }
    }

    /// Runs the loop once; returns the loss, and blackholes it so the call is kept.
    @discardableResult
    func call(_ arrays: Arrays) -> Double {
        var bad = -1
        let count = arrays.logprobs.count
        let loss = arrays.logprobs.withUnsafeBufferPointer { lp in
            arrays.weights.withUnsafeBufferPointer { w in
                arrays.references.withUnsafeBufferPointer { ref in
                    arrays.partial.withUnsafeMutableBufferPointer { partial in
                        arrays.sent.withUnsafeMutableBufferPointer { sent in
                            function(lp.baseAddress, w.baseAddress, ref.baseAddress, count, partial.baseAddress, sent.baseAddress, &bad)
                        }
                    }
                }
            }
        }
        blackHole(loss + Double(bad))
        return loss
    }
}
