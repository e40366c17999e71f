import CLMDB
import EventStore
import Foundation

// A child process for the store's crash tests.
//
//   EventStoreStress append DIRECTORY [TASKS]
//       appends from TASKS tasks as fast as it can and prints one line per acknowledged append,
//       "ack POSITION TASK SEQUENCE", written at once; the parent kills it with SIGKILL at random.
//   EventStoreStress hold-reader DIRECTORY
//       opens the store's LMDB environment read-only, begins a read transaction, prints "ready"
//       and sleeps, so that the parent can kill it and leave a stale reader slot behind.

let arguments = CommandLine.arguments
func usage() -> Never {
    FileHandle.standardError.write(Data("usage: EventStoreStress append|hold-reader DIRECTORY [TASKS]\n".utf8))
    exit(2)
}
guard arguments.count >= 3 else { usage() }
let directory = arguments[2]

switch arguments[1] {
case "append":
    let tasks = arguments.count >= 4 ? Int(arguments[3]) ?? 32 : 32
    let store: LMDBEventStore
    do {
        store = try LMDBEventStore(.init(directory: directory, initialMapSize: 1 << 20))
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
    let output = FileHandle.standardOutput
    await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<tasks {
            group.addTask {
                var sequence = 0
                while true {
                    sequence += 1
                    let payload = Array("task \(task) seq \(sequence) ".utf8) + [UInt8](repeating: UInt8(task & 0xFF), count: 150)
                    let result = try await store.append([
                        NewEvent(stream: "stress-\(task % 7)", type: 1, actor: "stress", payload: payload)
                    ])
                    output.write(Data("ack \(result.lastPosition) \(task) \(sequence)\n".utf8))
                }
            }
        }
    }
case "hold-reader":
    var env: OpaquePointer?
    mdb_env_create(&env)
    mdb_env_set_maxdbs(env, 4)
    guard mdb_env_open(env, directory, UInt32(MDB_RDONLY | MDB_NOTLS), 0o640) == 0 else { exit(1) }
    var txn: OpaquePointer?
    guard mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn) == 0 else { exit(1) }
    FileHandle.standardOutput.write(Data("ready\n".utf8))
    while true { sleep(60) }
default:
    usage()
}
