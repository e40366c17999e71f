/// A file's media type, from its first bytes, never its name: a `.jpg` that is really HTML must
/// not be shown as an image, and an image renamed `.txt` is still an image.
public enum MediaTypes {
    /// Bytes enough to recognise every type below.
    public static let sniffLength = 512

    public static let octetStream = "application/octet-stream"
    public static let text = "text/plain; charset=utf-8"

    private static let signatures: [(offset: Int, bytes: [UInt8], type: String)] = [
        (0, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "image/png"),
        (0, [0xFF, 0xD8, 0xFF], "image/jpeg"),
        (0, Array("GIF87a".utf8), "image/gif"),
        (0, Array("GIF89a".utf8), "image/gif"),
        (0, Array("%PDF-".utf8), "application/pdf"),
        (0, [0x50, 0x4B, 0x03, 0x04], "application/zip"),
        (0, [0x50, 0x4B, 0x05, 0x06], "application/zip"),
        (0, [0x1F, 0x8B], "application/gzip"),
        (0, [0x28, 0xB5, 0x2F, 0xFD], "application/zstd"),
        (0, [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "application/x-xz"),
        (0, Array("BZh".utf8), "application/x-bzip2"),
        (0, [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], "application/x-7z-compressed"),
        (0, Array("Rar!".utf8) + [0x1A, 0x07], "application/vnd.rar"),
        (0, Array("ID3".utf8), "audio/mpeg"),
        (0, Array("OggS".utf8), "audio/ogg"),
        (0, Array("fLaC".utf8), "audio/flac"),
        (0, [0x1A, 0x45, 0xDF, 0xA3], "video/webm"),
        (4, Array("ftyp".utf8), "video/mp4"),
        (0, [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], "application/x-ole-storage"),
    ]

    /// The type of content starting with `prefix` (its first `sniffLength` bytes, or all of it).
    public static func sniff(_ prefix: some Collection<UInt8>) -> String {
        let head = Array(prefix.prefix(sniffLength))
        if head.count >= 12, head[0..<4].elementsEqual("RIFF".utf8), head[8..<12].elementsEqual("WEBP".utf8) { return "image/webp" }
        for signature in signatures where head.count >= signature.offset + signature.bytes.count {
            if head[signature.offset..<(signature.offset + signature.bytes.count)].elementsEqual(signature.bytes) { return signature.type }
        }
        return looksLikeText(head) ? text : octetStream
    }

    /// UTF-8 without NUL or other C0 controls but tab, newlines, form feed and escape (a
    /// sequence cut at the end of the prefix is fine).
    static func looksLikeText(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        for byte in bytes where byte < 0x20 && ![0x09, 0x0A, 0x0C, 0x0D, 0x1B].contains(byte) { return false }
        var end = bytes.count
        // Drop an incomplete final sequence.
        var back = 0
        while back < 4, end - back - 1 >= 0, bytes[end - back - 1] & 0xC0 == 0x80 { back += 1 }
        if end - back - 1 >= 0, bytes[end - back - 1] >= 0xC0 {
            let lead = bytes[end - back - 1]
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
            if back + 1 < length { end -= back + 1 }
        }
        return String(validating: bytes[0..<end], as: UTF8.self) != nil
    }

    /// Shown in the page itself (previews): raster images only. SVG, HTML and everything else
    /// is always a download, so no file can run script in the chat's origin.
    public static func inlineSafe(_ type: String) -> Bool {
        ["image/png", "image/jpeg", "image/gif", "image/webp"].contains(type)
    }

    /// Worth storing zstd-compressed: text. Images, video, audio and archives are compressed
    /// already, and unknown binaries rarely gain enough to pay for decompressing every read.
    public static func compressible(_ type: String) -> Bool {
        type.hasPrefix("text/")
    }
}
