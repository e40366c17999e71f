import Foundation

/// A throwaway PostgreSQL cluster from Debian's `postgresql`: `initdb` in a directory of its own,
/// `pg_ctl start` listening only on a Unix socket in that directory (and on a loopback port when
/// asked), `stop` removes it all. Installed with apt-get when missing. Tests and benchmarks use
/// it so that nothing depends on a server already running on the machine.
///
/// PostgreSQL refuses to run as root, so when we are root the cluster belongs to the `postgres`
/// account the Debian package creates, and its commands run through `runuser`.
public final class PostgresCluster: @unchecked Sendable {
    public let directory: String
    /// The TCP port on 127.0.0.1 (also the number in the socket's name).
    public let port: Int
    public let superuser = "postgres"
    private var running = false

    /// The socket's directory: clients connect with `host=<socketDirectory>`.
    public var socketDirectory: String { directory }
    public var socketPath: String { "\(directory)/.s.PGSQL.\(port)" }
    /// A libpq connection string for the `postgres` database over the socket.
    public var url: String { "postgresql://\(superuser)@/postgres?host=\(directory)&port=\(port)" }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Debian's server binaries (the newest installed major version).
    public static func binaries() throws -> String {
        let root = "/usr/lib/postgresql"
        func newest() -> String? {
            let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
            return versions.compactMap(Int.init).max().map { "\(root)/\($0)/bin" }
                .flatMap { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") ? $0 : nil }
        }
        if let found = newest() { return found }
        try command("/bin/sh", ["-c", "apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null"
            + " && (systemctl stop postgresql 2>/dev/null; systemctl disable postgresql 2>/dev/null; pg_ctlcluster --help >/dev/null 2>&1; true)"])
        guard let found = newest() else { throw Failure(description: "postgresql is not installed and apt-get could not install it") }
        return found
    }

    /// Creates and starts a cluster under `parent` (a temporary directory by default).
    /// `settings` go to the server's command line (`-c name=value`).
    public static func start(under parent: String? = nil, settings: [String: String] = [:]) throws -> PostgresCluster {
        let bin = try binaries()
        let base = parent ?? NSTemporaryDirectory()
        let directory = (base as NSString).appendingPathComponent("causerie-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cluster = PostgresCluster(directory: directory, port: try LocalPort.free())
        if geteuid() == 0 {
            // The postgres account must reach the directory: every parent must let it through.
            try command("/bin/chown", ["postgres:postgres", directory])
            try command("/bin/chmod", ["0700", directory])
            var parentPath = (directory as NSString).deletingLastPathComponent
            while parentPath != "/" && !parentPath.isEmpty {
                _ = try? command("/bin/chmod", ["o+x", parentPath])
                parentPath = (parentPath as NSString).deletingLastPathComponent
            }
        }
        try cluster.asOwner(bin + "/initdb", ["-D", directory + "/data", "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                              "--locale=C.UTF-8", "--no-instructions"])
        var options = "-p \(cluster.port) -k \(directory) -c listen_addresses=127.0.0.1"
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) { options += " -c \(name)=\(value)" }
        // The server it starts would inherit our pipes and keep them open: pg_ctl's output goes to a file.
        try cluster.asOwner(bin + "/pg_ctl", ["-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60",
                                              "-o", options, "start"], detached: true)
        cluster.running = true
        return cluster
    }

    private init(directory: String, port: Int) {
        self.directory = directory
        self.port = port
    }

    deinit { stop() }

    /// Runs SQL through `psql` (stops at the first error); returns what it printed, unaligned.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try asOwner("/usr/bin/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", directory, "-p", "\(port)",
                                      "-U", superuser, "-d", database, "-c", sql])
    }

    /// Stops the server (fast shutdown) and removes the directory.
    public func stop() {
        guard running else { return }
        running = false
        if let bin = try? Self.binaries() {
            _ = try? asOwner(bin + "/pg_ctl", ["-D", directory + "/data", "-m", "fast", "-w", "stop"])
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a command as the cluster's owner (`postgres` when we are root).
    @discardableResult
    public func asOwner(_ executable: String, _ arguments: [String], detached: Bool = false) throws -> String {
        if geteuid() == 0 {
            return try Self.command("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments, detached: detached)
        }
        return try Self.command(executable, arguments, detached: detached)
    }

    /// Runs a command and returns what it printed. `detached`: for a command that leaves a
    /// daemon behind (pg_ctl start), whose output is not read (the daemon would hold the pipes
    /// open forever); only its exit status counts.
    @discardableResult
    public static func command(_ executable: String, _ arguments: [String], detached: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // Only the cluster's own directory is written; runuser must not start in one postgres cannot read.
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        if detached {
            // Foundation's child keeps a descriptor Foundation watches to see it exit; a daemon
            // started from it would inherit that too, and the exit would never be seen (the
            // child stays a zombie). bash closes every descriptor above 2 before running it.
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; exec "$@""#,
                                 "bash", executable] + arguments
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw Failure(description: "\((executable as NSString).lastPathComponent) \(arguments.last ?? "") failed (\(process.terminationStatus))")
            }
            return ""
        }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both to the end before waiting, so a chatty command never blocks on a full pipe.
        let errorData = HandOff()
        let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = errorData.wait()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\((executable as NSString).lastPathComponent) failed (\(process.terminationStatus)): "
                + String(decoding: stderr, as: UTF8.self).prefix(2000))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// What a reader thread hands back.
    private final class HandOff: @unchecked Sendable {
        private let condition = NSCondition()
        private var data: Data?
        func set(_ value: Data) {
            condition.lock()
            data = value
            condition.broadcast()
            condition.unlock()
        }
        func wait() -> Data {
            condition.lock()
            defer { condition.unlock() }
            while data == nil { condition.wait() }
            return data!
        }
    }
}
