import Foundation

/// A folder as one ZIP, written as it is sent (PKWARE APPNOTE 6.3): stored entries (most office
/// files are compressed already, and the server's CPU is the chat's), UTF-8 names (flag 11),
/// sizes and CRC-32 in a data descriptor after each entry (flag 3: the CRC is known only once the
/// bytes have gone), ZIP64 records where a size or an offset passes 4 GiB. Written here rather
/// than with ZIPFoundation, which builds archives on disk or in memory, not as a stream.
///
/// Names come from the file domain (no `..`, no separators inside a name, no absolute paths), so
/// no entry can leave the folder it is extracted into; the tests extract with Python's zipfile.
struct ZipStream {
    struct Entry {
        /// "Plans/roof.txt"; a folder ends with "/".
        var name: String
        var size: UInt64
        /// Microseconds since the epoch.
        var modified: Int64
        var isFolder: Bool { name.hasSuffix("/") }
    }

    private struct Written {
        var entry: Entry
        var offset: UInt64
        var crc: UInt32
        var zip64: Bool
    }

    private var written: [Written] = []
    private(set) var offset: UInt64 = 0

    static let limit32 = UInt64(UInt32.max)

    /// The local header of the next entry (its bytes follow, then `descriptor`).
    mutating func header(_ entry: Entry) -> [UInt8] {
        let zip64 = entry.size >= Self.limit32 || offset >= Self.limit32
        let name = Array(entry.name.utf8)
        var out = Bytes()
        out.u32(0x0403_4B50)
        out.u16(zip64 ? 45 : 20)  // version needed
        out.u16(entry.isFolder ? 0x0800 : 0x0808)  // UTF-8 names; sizes after the data
        out.u16(0)  // stored
        out.dos(entry.modified)
        out.u32(0)  // CRC-32: in the descriptor
        out.u32(zip64 ? UInt32.max : 0)
        out.u32(zip64 ? UInt32.max : 0)
        out.u16(UInt16(name.count))
        out.u16(zip64 ? 20 : 0)
        out.bytes += name
        if zip64 {
            out.u16(0x0001)
            out.u16(16)
            out.u64(0)
            out.u64(0)
        }
        written.append(Written(entry: entry, offset: offset, crc: 0, zip64: zip64))
        offset += UInt64(out.bytes.count) + entry.size
        return out.bytes
    }

    /// After the entry's bytes: their CRC-32 and sizes.
    mutating func descriptor(crc: UInt32) -> [UInt8] {
        guard var last = written.popLast() else { return [] }
        last.crc = crc
        written.append(last)
        if last.entry.isFolder { return [] }
        var out = Bytes()
        out.u32(0x0807_4B50)
        out.u32(crc)
        if last.zip64 {
            out.u64(last.entry.size)
            out.u64(last.entry.size)
        } else {
            out.u32(UInt32(last.entry.size))
            out.u32(UInt32(last.entry.size))
        }
        offset += UInt64(out.bytes.count)
        return out.bytes
    }

    /// The central directory and its end records.
    mutating func finish() -> [UInt8] {
        let start = offset
        var out = Bytes()
        for item in written {
            let name = Array(item.entry.name.utf8)
            let big = item.zip64 || item.offset >= Self.limit32
            out.u32(0x0201_4B50)
            out.u16(0x031E)  // made by: Unix, 3.0
            out.u16(big ? 45 : 20)
            out.u16(item.entry.isFolder ? 0x0800 : 0x0808)
            out.u16(0)
            out.dos(item.entry.modified)
            out.u32(item.crc)
            out.u32(big ? UInt32.max : UInt32(item.entry.size))
            out.u32(big ? UInt32.max : UInt32(item.entry.size))
            out.u16(UInt16(name.count))
            out.u16(big ? 28 : 0)
            out.u16(0)  // comment
            out.u16(0)  // disk
            out.u16(0)  // internal attributes
            out.u32(item.entry.isFolder ? (0o40755 << 16) | 0x10 : 0o100644 << 16)
            out.u32(big ? UInt32.max : UInt32(item.offset))
            out.bytes += name
            if big {
                out.u16(0x0001)
                out.u16(24)
                out.u64(item.entry.size)
                out.u64(item.entry.size)
                out.u64(item.offset)
            }
        }
        let size = UInt64(out.bytes.count)
        let count = UInt64(written.count)
        let needs64 = count >= 0xFFFF || start >= Self.limit32 || size >= Self.limit32
        if needs64 {
            let record = start + size
            out.u32(0x0606_4B50)
            out.u64(44)
            out.u16(0x031E)
            out.u16(45)
            out.u32(0)
            out.u32(0)
            out.u64(count)
            out.u64(count)
            out.u64(size)
            out.u64(start)
            out.u32(0x0706_4B50)  // ZIP64 end locator
            out.u32(0)
            out.u64(record)
            out.u32(1)
        }
        out.u32(0x0605_4B50)
        out.u16(0)
        out.u16(0)
        out.u16(needs64 ? 0xFFFF : UInt16(count))
        out.u16(needs64 ? 0xFFFF : UInt16(count))
        out.u32(needs64 ? UInt32.max : UInt32(size))
        out.u32(needs64 ? UInt32.max : UInt32(start))
        out.u16(0)
        offset += UInt64(out.bytes.count)
        return out.bytes
    }

    private struct Bytes {
        var bytes: [UInt8] = []
        mutating func u16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8((v >> (8 * i)) & 0xFF)) } }
        mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8((v >> (8 * UInt64(i))) & 0xFF)) } }
        /// MS-DOS time then date, in UTC (ZIP has no zone; 1980 at the earliest).
        mutating func dos(_ microseconds: Int64) {
            var seconds = time_t(max(microseconds / 1_000_000, 315_532_800))
            var t = tm()
            gmtime_r(&seconds, &t)
            u16(UInt16(t.tm_hour) << 11 | UInt16(t.tm_min) << 5 | UInt16(t.tm_sec / 2))
            u16(UInt16(t.tm_year - 80) << 9 | UInt16(t.tm_mon + 1) << 5 | UInt16(t.tm_mday))
        }
    }
}

/// CRC-32 (ISO-HDLC, the ZIP one), by a table of 256.
struct CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    private(set) var value: UInt32 = 0xFFFF_FFFF

    mutating func update(_ bytes: some Sequence<UInt8>) {
        var c = value
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes { c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        }
        value = c
    }

    var checksum: UInt32 { value ^ 0xFFFF_FFFF }
}
