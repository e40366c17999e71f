import Foundation

/// The crash-test child (the `EventStoreStress` executable built with the tests).
enum ChildProcess {
    static var stressExecutable: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug"),
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("EventStoreStress")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        fatalError("EventStoreStress not built next to the tests (looked in \(candidates.map(\.path)))")
    }

    /// A running child whose standard output is collected until it exits.
    final class Running: @unchecked Sendable {
        let process = Process()
        private let pipe = Pipe()
        private let lock = NSLock()
        private var collected = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ arguments: [String]) throws {
            process.executableURL = ChildProcess.stressExecutable
            process.arguments = arguments
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.lock()
                    collected.append(chunk)
                    lock.unlock()
                }
                done.signal()
            }
        }

        var output: String {
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: collected, as: UTF8.self)
        }

        /// Kills the child with SIGKILL and waits until it is gone and its output fully read.
        func kill() -> String {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            done.wait()
            return output
        }
    }
}
