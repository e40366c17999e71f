import Projections
import Testing

@Suite("Files: names, rights, quotas, folders")
struct FileTests {
    static func blob(_ size: UInt64, _ hash: String = String(repeating: "a", count: 64)) -> BlobRef {
        BlobRef(sha256: hash, size: size, mediaType: "text/plain; charset=utf-8")
    }

    @Test(arguments: [
        ("../etc", "separator"), ("..", "dots"), (".", "dots"), ("a/b", "separator"), ("a\\b", "separator"),
        ("nul\u{0}byte", "control"), ("tab\there", "control"), ("CON", "reserved"), ("con.txt", "reserved"),
        ("LPT1", "reserved"), ("com9.tar.gz", "reserved"), ("name.", "trailing"), ("name ", "trailing"),
        ("a:b", "windowsCharacter"), ("what?", "windowsCharacter"), ("", "empty"),
        ("evil\u{202E}gpj.exe", "control"), (String(repeating: "é", count: 128), "tooLong"),
    ])
    func hostileNamesAreRefused(name: String, problem: String) {
        guard case .failure(let found) = FileNames.name(name) else {
            Issue.record("accepted \(name.debugDescription)")
            return
        }
        #expect(found.rawValue == problem)
    }

    @Test func namesKeepTheirUnicodeInNFCAndPathsTheirRules() throws {
        // "é" as e + combining accent (what macOS sends) becomes one character.
        #expect(try FileNames.name("Re\u{301}sume\u{301}.pdf").get() == "Résumé.pdf")
        #expect(try FileNames.name("Отчёт 2026.docx").get() == "Отчёт 2026.docx")
        #expect(try FileNames.name("CONSOLE.txt").get() == "CONSOLE.txt")
        #expect(try FileNames.path("Projets/2026/").get() == ["Projets", "2026"])
        #expect(try FileNames.path("").get() == [])
        for bad in ["/etc/passwd", "\\share", "a/../b", "a//b", "a/./b"] {
            #expect((try? FileNames.path(bad).get()) == nil, "accepted \(bad)")
        }
        #expect((try? FileNames.path(String(repeating: "abcdefgh/", count: 600)).get()) == nil)
    }

    @Test func collisionsGetANumberAsExplorerGives() {
        let taken: Set<String> = ["report.pdf", "report (2).pdf", ".bashrc"]
        #expect(FileNames.free("Report.pdf") { taken.contains($0) } == "Report (3).pdf")
        #expect(FileNames.free("notes.txt") { taken.contains($0) } == "notes.txt")
        #expect(FileNames.free(".bashrc") { taken.contains($0) } == ".bashrc (2)")
        let long = String(repeating: "x", count: 251) + ".pdf"
        let free = FileNames.free(long) { $0 == FileNames.key(long) }
        #expect(free.utf8.count <= 255 && free.hasSuffix(" (2).pdf"))
    }

    @Test func aFileSentToARoomIsInItsHistoryAndOnlyMembersMayReadIt() {
        var given = Given.server(users: ["alice", "bob", "carol"])
        given.run(CreateRoom(room: "r1", name: "Projects", visibility: .private), by: "alice")
        given.run(InviteToRoom(room: "r1", user: "bob"), by: "alice")
        given.run(JoinRoom(room: "r1"), by: "bob")
        given.when(StoreFile(file: "f1", area: .room("r1"), folder: "", name: "plan.txt", blob: Self.blob(10)), by: "alice")
            .then([.fileUploaded(.init(file: "f1", area: .room("r1"), folder: "", name: "plan.txt", blob: Self.blob(10)))])
        given.run(StoreFile(file: "f1", area: .room("r1"), folder: "", name: "plan.txt", blob: Self.blob(10)), by: "alice")
        #expect(given.state.mayRead(given.state.files["f1"]!, "bob"))
        #expect(!given.state.mayRead(given.state.files["f1"]!, "carol"))
        // A non-member cannot tell the room exists; a second upload of the name is numbered.
        given.when(StoreFile(file: "f2", area: .room("r1"), folder: "", name: "x", blob: Self.blob(1)), by: "carol")
            .thenRejected(.notFound, "area")
        given.when(DeleteFile(file: "f1"), by: "carol").thenRejected(.notFound, "file")
        let second = given.when(StoreFile(file: "f2", area: .room("r1"), folder: "", name: "PLAN.txt", blob: Self.blob(5)), by: "bob")
        guard case .fileUploaded(let e) = second.events.first else { Issue.record("no upload"); return }
        #expect(e.name == "PLAN (2).txt")
        // Bob (a member, not the uploader, not an operator) may not delete Alice's file.
        given.when(DeleteFile(file: "f1"), by: "bob").thenRejected(.forbidden, "not_uploader")
        given.when(DeleteFile(file: "f1"), by: "alice").then([.fileDeleted(.init(file: "f1"))])
    }

    @Test func sendFilesGatesEveryWriteAndThePublicAreaNeedsItsRight() {
        var given = Given.server(users: ["alice"])
        given.when(StoreFile(file: "f1", area: .public, folder: "", name: "a.txt", blob: Self.blob(1)), by: "alice")
            .thenRejected(.forbidden, "missing_permission:publicFiles")
        given.run(StoreFile(file: "f1", area: .public, folder: "", name: "a.txt", blob: Self.blob(1)), by: "admin")
        #expect(given.state.mayRead(.public, "alice"))
        given.run(SaveGroup(group: .users, name: "Users", permissions: Permissions.defaultUser.subtracting(.sendFiles), create: false), by: "admin")
        given.when(StoreFile(file: "f2", area: .personal("alice"), folder: "", name: "b.txt", blob: Self.blob(1)), by: "alice")
            .thenRejected(.forbidden, "missing_permission:sendFiles")
        // Someone else's personal area does not exist for you.
        given.when(StoreFile(file: "f3", area: .personal("admin"), folder: "", name: "b.txt", blob: Self.blob(1)), by: "alice")
            .thenRejected(.notFound, "area")
    }

    @Test func quotasAndTheLargestFileAreCheckedBeforeStoring() {
        var given = Given.server(users: ["alice"])
        given.run(SetFileLimits(defaultQuota: 1_000, maxFileSize: 600), by: "admin")
        given.when(StoreFile(file: "f1", area: .personal("alice"), folder: "", name: "big", blob: Self.blob(601)), by: "alice")
            .thenRejected(.tooLarge, "file_size")
        given.run(StoreFile(file: "f1", area: .personal("alice"), folder: "", name: "a", blob: Self.blob(600)), by: "alice")
        #expect(given.state.files.used(by: "alice") == 600)
        given.when(StoreFile(file: "f2", area: .personal("alice"), folder: "", name: "b", blob: Self.blob(401)), by: "alice")
            .thenRejected(.tooLarge, "quota")
        // Replacing a file frees its bytes first (a WebDAV overwrite of a file one owns).
        given.when(StoreFile(file: "f2", area: .personal("alice"), folder: "", name: "a", blob: Self.blob(500), onCollision: .replace),
                   by: "alice")
            .then([.fileUploaded(.init(file: "f2", area: .personal("alice"), folder: "", name: "a", blob: Self.blob(500), replaces: "f1"))])
        given.run(SetUserQuota(user: "alice", bytes: 10_000), by: "admin")
        given.run(StoreFile(file: "f3", area: .personal("alice"), folder: "", name: "b", blob: Self.blob(600)), by: "alice")
        given.when(SetFileLimits(defaultQuota: 1, maxFileSize: 0), by: "alice").thenRejected(.forbidden)
        // Deleting gives the bytes back, and the blob becomes an orphan once nothing names it.
        given.run(DeleteFile(file: "f1"), by: "alice")
        given.run(DeleteFile(file: "f3"), by: "alice")
        #expect(given.state.files.used(by: "alice") == 0)
        #expect(given.state.files.orphans[Self.blob(1).sha256] != nil)
    }

    @Test func foldersAreMadeMovedAndDeletedWithEverythingInThem() {
        var given = Given.server(users: ["alice"])
        let me: FileArea = .personal("alice")
        given.when(StoreFile(file: "f0", area: me, folder: "Docs", name: "a", blob: Self.blob(1)), by: "alice")
            .thenRejected(.conflict, "no_folder")
        given.run(CreateFolder(area: me, path: "Docs"), by: "alice")
        given.when(CreateFolder(area: me, path: "docs"), by: "alice").thenRejected(.conflict, "exists")
        given.run(CreateFolder(area: me, path: "Docs/2026"), by: "alice")
        given.run(StoreFile(file: "f1", area: me, folder: "docs/2026", name: "plan.txt", blob: Self.blob(3)), by: "alice")
        #expect(given.state.files["f1"]?.folder == "Docs/2026")
        given.when(MoveFolder(area: me, from: "Docs", to: "Docs/2026/inside"), by: "alice").thenRejected(.invalid, "into_itself")
        given.run(MoveFolder(area: me, from: "Docs", to: "Archive"), by: "alice")
        #expect(given.state.files["f1"]?.folder == "Archive/2026")
        #expect(given.state.files.folderExists(me, "Archive/2026") && !given.state.files.folderExists(me, "Docs"))
        #expect(given.state.files.list(me, "").folders == ["Archive"])
        given.run(DeleteFolder(area: me, path: "Archive"), by: "alice")
        #expect(given.state.files["f1"] == nil && given.state.files.list(me, "").folders.isEmpty)
        #expect(given.state.files.used(by: "alice") == 0)
    }

    @Test func aSharedFolderIsOneEventWithItsTreeAndCannotHoldTraversal() {
        var given = Given.server(users: ["alice", "bob"])
        given.run(OpenDirect(with: "bob"), by: "alice")
        let dm = RoomID.direct("alice", "bob")
        let entries = [
            SharedEntry(file: "f1", path: "a.txt", blob: Self.blob(1)),
            SharedEntry(file: "f2", path: "sub/b.txt", blob: Self.blob(2, String(repeating: "b", count: 64))),
        ]
        given.when(ShareFolder(area: .room(dm), folder: "", name: "Photos",
                               entries: entries + [SharedEntry(file: "f3", path: "../../etc/passwd", blob: Self.blob(1))]), by: "alice")
            .thenRejected(.invalid, "path:dots")
        given.when(ShareFolder(area: .room(dm), folder: "", name: "Photos",
                               entries: entries + [SharedEntry(file: "f3", path: "SUB/B.txt", blob: Self.blob(1))]), by: "alice")
            .thenRejected(.invalid, "duplicate_entry")
        given.run(ShareFolder(area: .room(dm), folder: "", name: "Photos", entries: entries, emptyFolders: ["empty"]), by: "alice")
        #expect(given.state.files.list(.room(dm), "Photos").folders == ["empty", "sub"])
        #expect(given.state.files["f2"]?.path == "Photos/sub/b.txt")
        #expect(given.state.mayRead(.room(dm), "bob"))
        // The same folder name again is numbered.
        let again = given.when(ShareFolder(area: .room(dm), folder: "", name: "photos",
                                           entries: [SharedEntry(file: "f9", path: "c", blob: Self.blob(1))]), by: "bob")
        guard case .folderShared(let e) = again.events.first else { Issue.record("refused"); return }
        #expect(e.name == "photos (2)")
    }
}

extension FileTests {
    @Test func renamedAndMovedFilesAreFoundUnderTheirNewNames() {
        var given = Given.server(users: ["alice"])
        let me: FileArea = .personal("alice")
        given.run(StoreFile(file: "f1", area: me, folder: "", name: "a.txt", blob: Self.blob(1)), by: "alice")
        given.run(StoreFile(file: "f2", area: me, folder: "", name: "b.txt", blob: Self.blob(1)), by: "alice")
        given.when(RenameFile(file: "f1", name: "B.TXT"), by: "alice").thenRejected(.conflict, "name_taken")
        given.run(RenameFile(file: "f1", name: "c.txt"), by: "alice")
        #expect(given.state.files["f1"]?.name == "c.txt" && given.state.files.file(me, "", named: "C.txt")?.id == "f1")
        given.run(CreateFolder(area: me, path: "Old"), by: "alice")
        given.run(MoveFile(file: "f1", area: me, folder: "old", name: "d.txt"), by: "alice")
        #expect(given.state.files["f1"]?.path == "Old/d.txt" && given.state.files.file(me, "", named: "c.txt") == nil)
        // Onto an existing name only when asked to overwrite.
        given.when(MoveFile(file: "f2", area: me, folder: "Old", name: "d.txt"), by: "alice").thenRejected(.conflict, "file_exists")
        given.when(MoveFile(file: "f2", area: me, folder: "Old", name: "d.txt", overwrite: true), by: "alice")
            .then([.fileDeleted(.init(file: "f1")), .fileMoved(.init(file: "f2", area: me, folder: "Old", name: "d.txt"))])
    }
}
