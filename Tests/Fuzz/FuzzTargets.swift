import Foundation
import Projections
import Wire

/// libFuzzer's entry point (built with `make fuzz`: `-sanitize=fuzzer -D FUZZING`): the bytes a
/// client could send, through the parsers that face the network — the JSON frame decoder
/// (`ClientCommand.parse`, and the hello), the HTTP query string (`Query` with its numbers) and
/// the multicast DNS message anyone on the LAN can send (`DNSMessage`). The first byte picks. A crash, a trap or a hang is a bug; refusals are expected.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] % 3 == 2 {
        // What is read is written again (an answer echoes questions) and read back.
        if let message = DNSMessage(decoding: bytes) { _ = DNSMessage(decoding: message.encoded()) }
    } else if data[0] & 1 == 0 {
        // The arithmetic the server does on what was parsed: it must not trap for any value accepted.
        switch (try? ClientCommand.parse(bytes))?.command {
        case .history(let frame):
            _ = frame.from?.microseconds
            _ = frame.to?.microseconds
            _ = frame.after.map { $0.value + 1 }
            _ = frame.before.map { $0.value + 1 }
        case .moderate(let frame):
            _ = frame.minutes.map { Int64.max / 2 + $0.microseconds }
        default:
            break
        }
        _ = try? WireDecoder.decode(ClientFrames.Hello.self, from: bytes)
    } else {
        let text = String(decoding: bytes, as: UTF8.self)
        let names: Set<String> = ["before", "after", "from", "to", "limit", "room", "user"]
        if let query = try? Query(Substring(text), allowed: names) {
            _ = try? query.number("before", as: Position.self)
            _ = try? query.number("from", as: EpochMilliseconds.self)
            _ = try? query.number("limit", as: PageSize.self)
            _ = query.strings("room")
        }
        _ = try? Position(parsing: Substring(text), field: "message")
    }
    return 0
}

#if FUZZING
/// SwiftPM links an executable's entry point as `<Target>_main` (and aliases `main` to it), so
/// libFuzzer's own `main` is not used: this one hands the arguments to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("CauserieFuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOne)
}
#else
/// Without libFuzzer: replays the files given (a corpus, crashes found earlier) through the same
/// entry point, so `swift build` builds this target and `make test` runs the corpus.
@main
struct CorpusReplay {
    static func main() {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: path).map { path + "/" + $0 }) ?? [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file), !data.isEmpty else { continue }
                _ = data.withUnsafeBytes { fuzzOne($0.bindMemory(to: UInt8.self).baseAddress!, data.count) }
                count += 1
            }
        }
        print("replayed \(count) inputs")
    }
}
#endif
