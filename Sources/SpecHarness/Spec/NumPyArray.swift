#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TinkerWire

/// Reads `.npy` files (NumPy's array format), so large logprobs and gradients need not be YAML.
///
/// Supports little-endian float64, float32, int64 and int32 arrays in C order, the dtypes
/// `numpy.save` writes for the data a spec holds.
enum NumPyArray {
    /// - Parameter maximumBytes: the largest file read; a FIFO or device is never read.
    static func read(_ path: String, at location: SourceLocation, maximumBytes: Int = 1 << 30) throws(SpecDiagnostic) -> (values: [Double], shape: [Int]) {
        guard let size = FileKind.size(of: path), let data = FileManager.default.contents(atPath: path) else {
            throw SpecDiagnostic(location, "cannot read the .npy file \(path)", hint: "the path is relative to the fixtures folder")
        }
        guard size <= maximumBytes, data.count <= maximumBytes else {
            throw SpecDiagnostic(location, "the .npy file \(path) is larger than \(maximumBytes) bytes", hint: "split the data across cases")
        }
        let bytes = [UInt8](data)
        func fail(_ problem: String) -> SpecDiagnostic {
            SpecDiagnostic(location, "\(path) is not a supported .npy file: \(problem)", hint: "write it with numpy.save(path, array.astype('float64'))")
        }
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("no NUMPY magic") }
        let major = bytes[6]
        let headerStart = major == 1 ? 10 : 12
        guard bytes.count >= headerStart else { throw fail("truncated header") }
        let headerLength = major == 1
            ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        guard bytes.count >= headerStart + headerLength else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)

        guard let descr = field("descr", in: header, "'", until: "'") else { throw fail("no descr") }
        if field("fortran_order", in: header, "True", until: nil) != nil { throw fail("Fortran order; save a C-ordered array") }
        guard let shapeText = field("shape", in: header, "(", until: ")") else { throw fail("no shape") }
        var shape: [Int] = []
        for part in shapeText.split(separator: ",") {
            let trimmed = part.trimmingWhitespace()
            if trimmed.isEmpty { continue }
            guard let dimension = Int(trimmed), dimension >= 0 else { throw fail("bad shape (\(shapeText))") }
            shape.append(dimension)
        }
        guard let count = TensorData.elementCount(of: shape) else { throw fail("bad shape (\(shapeText))") }
        let body = bytes[(headerStart + headerLength)...]
        let width: Int
        switch descr {
        case "<f8", "<i8": width = 8
        case "<f4", "<i4": width = 4
        default: throw fail("dtype \(descr); use float64, float32, int64 or int32")
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, body.count >= needed else { throw fail("\(body.count) data bytes for \(count) values of \(width) bytes") }
        var values: [Double] = []
        values.reserveCapacity(count)
        body.withUnsafeBytes { raw in
            for index in 0..<count {
                let offset = index * width
                switch descr {
                case "<f8": values.append(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
                case "<f4": values.append(Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))))
                case "<i8": values.append(Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))))
                default: values.append(Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))))
                }
            }
        }
        return (values, shape)
    }

    /// What follows the first `'key':` and white space that `open` starts: the text up to the
    /// next `close` (both excluded), or for a nil `close`, `open` itself when it is there.
    private static func field(_ key: String, in header: String, _ open: String, until close: Unicode.Scalar?) -> String? {
        let text = Array(header.unicodeScalars)
        let keyScalars = Array("'\(key)':".unicodeScalars)
        let opening = Array(open.unicodeScalars)
        var start = 0
        while start + keyScalars.count <= text.count {
            defer { start += 1 }
            guard text[start..<(start + keyScalars.count)].elementsEqual(keyScalars) else { continue }
            var index = start + keyScalars.count
            while index < text.count && text[index].properties.isWhitespace { index += 1 }
            guard index + opening.count <= text.count, text[index..<(index + opening.count)].elementsEqual(opening) else { continue }
            index += opening.count
            guard let close else { return open }
            guard let end = text[index...].firstIndex(of: close) else { continue }
            return String(String.UnicodeScalarView(text[index..<end]))
        }
        return nil
    }
}
