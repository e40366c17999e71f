import CZstd

/// zstd compression for large payloads (and, in Tools, for backups and exports).
public enum Zstd {
    /// Compresses `input`; returns nil when zstd fails.
    public static func compress(_ input: [UInt8], level: Int32 = 3) -> [UInt8]? {
        let capacity = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: capacity)
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { src in
                ZSTD_compress(out.baseAddress, capacity, src.baseAddress, src.count, level)
            }
        }
        guard ZSTD_isError(written) == 0 else { return nil }
        output.removeLast(capacity - written)
        return output
    }

    /// Decompresses a frame whose decompressed size is known to be `originalSize`.
    /// Returns nil if the frame is damaged or does not decompress to exactly that size.
    public static func decompress(_ input: UnsafeRawBufferPointer, originalSize: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: originalSize)
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_decompress(out.baseAddress, originalSize, input.baseAddress, input.count)
        }
        guard ZSTD_isError(written) == 0, written == originalSize else { return nil }
        return output
    }
}
