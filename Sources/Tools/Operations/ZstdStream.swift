import CZstd

/// Streaming zstd compression into a sink (the backup body).
final class ZstdCompressor {
    private let context: OpaquePointer
    private var output = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
    private let sink: ([UInt8]) throws -> Void

    /// With `pledgedSize`, the frame header records the content's size (blobs read it back).
    init(level: Int32 = 3, pledgedSize: UInt64? = nil, sink: @escaping ([UInt8]) throws -> Void) {
        context = ZSTD_createCCtx()
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        if let pledgedSize { ZSTD_CCtx_setPledgedSrcSize(context, pledgedSize) }
        // Two threads compress while this one reads and hashes (when libzstd was built with them).
        ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, 2)
        self.sink = sink
    }

    deinit {
        ZSTD_freeCCtx(context)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try run(bytes, ZSTD_e_continue)
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Ends the frame and flushes everything to the sink.
    func finish() throws {
        try run(UnsafeRawBufferPointer(start: nil, count: 0), ZSTD_e_end)
    }

    private func run(_ bytes: UnsafeRawBufferPointer, _ mode: ZSTD_EndDirective) throws {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while true {
            let (remaining, produced) = try output.withUnsafeMutableBytes { out -> (Int, Int) in
                var buffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                let result = ZSTD_compressStream2(context, &buffer, &input, mode)
                if ZSTD_isError(result) != 0 { throw OperationError.io("zstd: \(String(cString: ZSTD_getErrorName(result)))") }
                return (result, buffer.pos)
            }
            if produced > 0 { try sink(Array(output[0..<produced])) }
            let done = mode == ZSTD_e_end ? remaining == 0 : input.pos == input.size
            if done { return }
        }
    }
}

/// Streaming zstd decompression: feed compressed bytes, get decompressed chunks.
final class ZstdDecompressor {
    private let context: OpaquePointer
    private var output = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
    private(set) var frameEnded = false

    init() {
        context = ZSTD_createDCtx()
    }

    deinit {
        ZSTD_freeDCtx(context)
    }

    /// Decompresses `bytes`, handing each produced chunk to `body`.
    func feed(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard !frameEnded else {
            if bytes.count > 0 { throw OperationError.corrupt("data after the end of the compressed body") }
            return
        }
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        var produced = 0
        repeat {
            let result: Int
            (result, produced) = try output.withUnsafeMutableBytes { out -> (Int, Int) in
                var buffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                let result = ZSTD_decompressStream(context, &buffer, &input)
                if ZSTD_isError(result) != 0 {
                    throw OperationError.corrupt("the compressed body is damaged (\(String(cString: ZSTD_getErrorName(result))))")
                }
                return (result, buffer.pos)
            }
            if produced > 0 { try output.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            if result == 0 {
                frameEnded = true
                if input.pos < input.size { throw OperationError.corrupt("data after the end of the compressed body") }
                return
            }
        } while input.pos < input.size || produced == output.count
    }
}

/// A failure of an operation on the log (backup, restore, export, audit, replay).
public enum OperationError: Error, CustomStringConvertible, Sendable {
    /// The input is damaged or not what it claims to be.
    case corrupt(String)
    /// A file could not be read or written.
    case io(String)
    /// The request cannot be carried out as asked.
    case refused(String)

    public var description: String {
        switch self {
        case .corrupt(let text): "damaged: \(text)"
        case .io(let text): "i/o: \(text)"
        case .refused(let text): "refused: \(text)"
        }
    }
}
