import Projections
import Testing

@Suite("Boards")
struct BoardTests {
    static let board = BoardID("b1")
    static let todo = StageID("s-todo"), doing = StageID("s-doing"), review = StageID("s-review"), done = StageID("s-done")
    static let lane = LaneID("l1")

    /// alice owns board b1 (four stages, one lane); bob is an editor, carol a viewer, dave a
    /// commenter; erin is not a member.
    static func office() -> Given {
        var given = Given.server(users: ["alice", "bob", "carol", "dave", "erin"])
        given.run(CreateBoard(board: board, settings: BoardSettings(title: "Office move"),
                              stages: [(todo, "To do", false), (doing, "In progress", false), (review, "Review", false), (done, "Done", true)],
                              lane: (lane, ""), members: [("bob", .editor), ("carol", .viewer), ("dave", .commenter)]), by: "alice")
        return given
    }

    static func card(_ given: inout Given, _ id: String, in stage: StageID = todo, by actor: UserID = "bob") {
        given.run(CreateCard(board: board, card: CardID(id), stage: stage, fields: CardFields(title: "Card \(id)")), by: actor)
    }

    static func order(_ given: Given, _ stage: StageID) -> [String] {
        given.state.boards[board]!.cards(in: stage).map(\.id.rawValue)
    }

    @Test func creatingABoardMakesItsCreatorOwnerAndItsMembersWhatTheyWereGiven() {
        let given = Self.office()
        let found = given.state.boards[Self.board]!
        #expect(found.members == ["alice": .owner, "bob": .editor, "carol": .viewer, "dave": .commenter])
        #expect(found.orderedStages.map(\.spec.name) == ["To do", "In progress", "Review", "Done"])
        #expect(found.stages[Self.done]!.spec.done)
        #expect(given.state.boards.boards(of: "bob").map(\.id) == [Self.board])
        #expect(given.state.boards.boards(of: "erin").isEmpty)
    }

    @Test func creatingABoardNeedsTheKanbanRightAndAValidTitle() {
        var given = Self.office()
        given.run(SaveGroup(group: .users, name: "Users", permissions: Permissions.defaultUser.subtracting(.kanban), create: false), by: "admin")
        given.when(CreateBoard(board: "b2", settings: BoardSettings(title: "x"), stages: [("s", "A", false)], lane: ("l", "")), by: "erin")
            .thenRejected(.forbidden, "missing_permission:kanban")
        // Without the right, a member no longer sees the board either.
        given.when(MoveCard(board: Self.board, card: "c1", stage: Self.doing), by: "bob").thenRejected(.forbidden, "missing_permission:kanban")
        let fresh = Self.office()
        fresh.when(CreateBoard(board: "b2", settings: BoardSettings(title: "  "), stages: [("s", "A", false)], lane: ("l", "")), by: "erin")
            .thenRejected(.invalid, "empty_title")
        fresh.when(CreateBoard(board: "b2", settings: BoardSettings(title: String(repeating: "x", count: 201)), stages: [("s", "A", false)],
                               lane: ("l", "")), by: "erin").thenRejected(.tooLarge, "title")
        fresh.when(CreateBoard(board: "b2", settings: BoardSettings(title: "ok", colour: "<script>"), stages: [("s", "A", false)],
                               lane: ("l", "")), by: "erin").thenRejected(.invalid, "colour")
        fresh.when(CreateBoard(board: "b2", settings: BoardSettings(title: "ok"), stages: [], lane: ("l", "")), by: "erin")
            .thenRejected(.invalid, "stages")
    }

    @Test func rolesDecideWhoDoesWhat() {
        var given = Self.office()
        Self.card(&given, "c1")
        // A viewer changes nothing; a commenter comments; an editor edits; only an owner manages.
        given.when(MoveCard(board: Self.board, card: "c1", stage: Self.doing), by: "carol").thenRejected(.forbidden, "board_role:editor")
        given.when(CommentCard(board: Self.board, card: "c1", comment: "m1", text: "hi"), by: "carol")
            .thenRejected(.forbidden, "board_role:commenter")
        given.when(CommentCard(board: Self.board, card: "c1", comment: "m1", text: "hi"), by: "dave")
            .then([.cardCommented(CardCommented(board: Self.board, card: "c1", comment: "m1", text: "hi", mentions: []))])
        given.when(ChangeCard(board: Self.board, card: "c1", fields: CardFields(title: "New")), by: "dave")
            .thenRejected(.forbidden, "board_role:editor")
        given.when(SetBoardMember(board: Self.board, user: "erin", role: .viewer), by: "bob").thenRejected(.forbidden, "board_role:owner")
        given.when(SetBoardMember(board: Self.board, user: "erin", role: .viewer), by: "alice")
            .then([.boardMemberChanged(BoardMemberChanged(board: Self.board, user: "erin", role: .viewer))])
        // Someone not a member finds nothing: not even whether the board exists.
        given.when(MoveCard(board: Self.board, card: "c1", stage: Self.doing), by: "erin").thenRejected(.notFound, "board")
        given.when(MoveCard(board: "nope", card: "c1", stage: Self.doing), by: "erin").thenRejected(.notFound, "board")
        // An administrator manages every board.
        given.when(ArchiveBoard(board: Self.board, archived: true), by: "admin")
            .then([.boardArchived(BoardArchived(board: Self.board, archived: true))])
    }

    @Test func aCommenterTicksTheChecklistOfTheirOwnCardOnly() {
        var given = Self.office()
        given.run(CreateCard(board: Self.board, card: "c1", stage: Self.todo, fields: CardFields(
            title: "Pack", assignees: ["dave"], checklist: [ChecklistItem(text: "Boxes", done: false)])), by: "bob")
        Self.card(&given, "c2")
        given.when(ChangeCard(board: Self.board, card: "c1", fields: CardFields(checklist: [ChecklistItem(text: "Boxes", done: true)])), by: "dave")
            .then([.cardChanged(CardChanged(board: Self.board, card: "c1", fields: CardFields(checklist: [ChecklistItem(text: "Boxes", done: true)])))])
        given.when(ChangeCard(board: Self.board, card: "c1", fields: CardFields(checklist: [ChecklistItem(text: "Other", done: true)])), by: "dave")
            .thenRejected(.forbidden, "board_role:editor")
        given.when(ChangeCard(board: Self.board, card: "c2", fields: CardFields(checklist: [])), by: "dave")
            .thenRejected(.forbidden, "board_role:editor")
    }

    @Test func cardsKeepTheirOrderAndMovesNeverRenumberOthers() {
        var given = Self.office()
        for id in ["c1", "c2", "c3"] { Self.card(&given, id) }
        Self.card(&given, "c4", in: Self.review)
        #expect(Self.order(given, Self.todo) == ["c1", "c2", "c3"])
        let keys = given.state.boards[Self.board]!.cards.mapValues(\.place.key)
        given.run(MoveCard(board: Self.board, card: "c3", stage: Self.todo, placement: .after("c1")), by: "bob")
        #expect(Self.order(given, Self.todo) == ["c1", "c3", "c2"])
        given.run(MoveCard(board: Self.board, card: "c2", stage: Self.todo, placement: .top), by: "bob")
        #expect(Self.order(given, Self.todo) == ["c2", "c1", "c3"])
        given.run(MoveCard(board: Self.board, card: "c1", stage: Self.doing, placement: .top), by: "bob")
        #expect(Self.order(given, Self.todo) == ["c2", "c3"])
        #expect(Self.order(given, Self.doing) == ["c1"])
        given.run(MoveCard(board: Self.board, card: "c2", stage: Self.doing, placement: .before("c1")), by: "bob")
        #expect(Self.order(given, Self.doing) == ["c2", "c1"])
        // Only the moved card's key ever changes: another card's never does.
        #expect(given.state.boards[Self.board]!.cards["c4"]!.place.key == keys["c4"]!)
    }

    @Test func twoMovesDecidedAtOnceConvergeOnOneOrder() {
        var given = Self.office()
        for id in ["c1", "c2", "c3", "c4"] { Self.card(&given, id) }
        // Both decided on the same state (before either is applied): same slot, same key.
        let first = given.when(MoveCard(board: Self.board, card: "c3", stage: Self.todo, placement: .after("c1")), by: "bob")
        let second = given.when(MoveCard(board: Self.board, card: "c4", stage: Self.todo, placement: .after("c1")), by: "alice")
        // Applied in either order, the list ends the same.
        var oneWay = given
        oneWay.apply(first.decision!.events, by: "bob")
        oneWay.apply(second.decision!.events, by: "alice")
        var otherWay = given
        otherWay.apply(second.decision!.events, by: "alice")
        otherWay.apply(first.decision!.events, by: "bob")
        #expect(Self.order(oneWay, Self.todo) == Self.order(otherWay, Self.todo))
        #expect(Self.order(oneWay, Self.todo) == ["c1", "c3", "c4", "c2"])
        // And a move after one of the tied cards still finds a place.
        oneWay.run(MoveCard(board: Self.board, card: "c2", stage: Self.todo, placement: .after("c3")), by: "bob")
        #expect(Self.order(oneWay, Self.todo).count == 4)
    }

    @Test func badMovesAreRefused() {
        var given = Self.office()
        Self.card(&given, "c1")
        Self.card(&given, "c2")
        given.run(CreateBoard(board: "b2", settings: BoardSettings(title: "Other"), stages: [("s-other", "A", false)], lane: ("l-other", "")),
                  by: "bob")
        given.when(MoveCard(board: Self.board, card: "c1", stage: "s-other"), by: "bob").thenRejected(.notFound, "stage")
        given.when(MoveCard(board: "b2", card: "c1", stage: "s-other"), by: "bob").thenRejected(.notFound, "card")
        given.when(MoveCard(board: Self.board, card: "c1", stage: Self.todo, placement: .after("c1")), by: "bob")
            .thenRejected(.notFound, "neighbour")
        given.run(DeleteStage(board: Self.board, stage: Self.review, cardsTo: Self.todo), by: "bob")
        given.when(MoveCard(board: Self.board, card: "c1", stage: Self.review), by: "bob").thenRejected(.notFound, "stage")
        given.run(ArchiveCard(board: Self.board, card: "c2", archived: true), by: "bob")
        given.when(MoveCard(board: Self.board, card: "c2", stage: Self.doing), by: "bob").thenRejected(.conflict, "card_archived")
        given.when(MoveCard(board: Self.board, card: "c1", stage: Self.doing, placement: .after("c2")), by: "bob")
            .thenRejected(.notFound, "neighbour")
    }

    @Test func aWipLimitAsksForConfirmation() {
        var given = Self.office()
        given.run(ChangeStage(board: Self.board, stage: Self.doing, wipLimit: 1), by: "bob")
        Self.card(&given, "c1", in: Self.doing)
        Self.card(&given, "c2")
        given.when(MoveCard(board: Self.board, card: "c2", stage: Self.doing), by: "bob").thenRejected(.conflict, "wip_limit")
        #expect(given.when(MoveCard(board: Self.board, card: "c2", stage: Self.doing, overLimit: true), by: "bob").events.count == 1)
        given.when(CreateCard(board: Self.board, card: "c3", stage: Self.doing, fields: CardFields(title: "x")), by: "bob")
            .thenRejected(.conflict, "wip_limit")
    }

    @Test func deletingAStageMovesItsCardsInOrderAfterTheOthers() {
        var given = Self.office()
        Self.card(&given, "c1", in: Self.todo)
        Self.card(&given, "c2", in: Self.review)
        Self.card(&given, "c3", in: Self.review)
        given.when(DeleteStage(board: Self.board, stage: Self.review, cardsTo: Self.review), by: "bob").thenRejected(.notFound, "cards_to")
        given.run(DeleteStage(board: Self.board, stage: Self.review, cardsTo: Self.todo), by: "bob")
        #expect(Self.order(given, Self.todo) == ["c1", "c2", "c3"])
        #expect(given.state.boards[Self.board]!.stages[Self.review] == nil)
    }

    @Test func lanesHoldCardsAcrossStages() {
        var given = Self.office()
        given.run(AddLane(board: Self.board, lane: "l2", name: "Client A"), by: "bob")
        Self.card(&given, "c1")
        given.run(MoveCard(board: Self.board, card: "c1", stage: Self.doing, lane: "l2"), by: "bob")
        #expect(given.state.boards[Self.board]!.cards(in: Self.doing, lane: "l2").map(\.id) == ["c1"])
        given.run(DeleteLane(board: Self.board, lane: "l2", cardsTo: Self.lane), by: "bob")
        #expect(given.state.boards[Self.board]!.cards(in: Self.doing, lane: Self.lane).map(\.id) == ["c1"])
        given.when(DeleteLane(board: Self.board, lane: Self.lane, cardsTo: Self.lane), by: "bob").thenRejected(.notFound, "cards_to")
    }

    @Test func cardFieldsAreCheckedAgainstTheBoard() {
        var given = Self.office()
        Self.card(&given, "c1")
        given.when(ChangeCard(board: Self.board, card: "c1", fields: CardFields(assignees: ["erin"])), by: "bob")
            .thenRejected(.invalid, "assignee_not_member")
        given.when(ChangeCard(board: Self.board, card: "c1", fields: CardFields(labels: ["nope"])), by: "bob").thenRejected(.notFound, "label")
        given.when(ChangeCard(board: Self.board, card: "c1", fields: CardFields(title: String(repeating: "é", count: 501))), by: "bob")
            .thenRejected(.tooLarge, "title")
        given.when(ChangeCard(board: Self.board, card: "c1", fields: CardFields(attachments: [.link(url: "javascript:alert(1)", title: "x")])),
                   by: "bob").thenRejected(.invalid, "url")
        given.when(ChangeCard(board: Self.board, card: "c1", fields: CardFields(attachments: [.file("f-nope")])), by: "bob")
            .thenRejected(.notFound, "file")
        given.when(ChangeCard(board: Self.board, card: "c1", fields: CardFields(deadline: -5)), by: "bob").thenRejected(.invalid, "deadline")
        given.when(CommentCard(board: Self.board, card: "c1", comment: "m", text: String(repeating: "a", count: 10_001)), by: "bob")
            .thenRejected(.tooLarge, "comment")
        // Only what changes is recorded; nothing at all when nothing changes.
        given.run(SetBoardLabels(board: Self.board, labels: [BoardLabel(id: "lb1", name: "Urgent", colour: "red")]), by: "bob")
        given.when(ChangeCard(board: Self.board, card: "c1", fields: CardFields(title: "Card c1", assignees: ["bob", "bob"], labels: ["lb1"])),
                   by: "bob")
            .then([.cardChanged(CardChanged(board: Self.board, card: "c1", fields: CardFields(assignees: ["bob"], labels: ["lb1"])))])
        given.when(ChangeCard(board: Self.board, card: "c1", fields: CardFields(title: "Card c1")), by: "bob").then([])
    }

    @Test func commentsNotifyTheMembersTheyMention() {
        var given = Self.office()
        Self.card(&given, "c1")
        given.when(CommentCard(board: Self.board, card: "c1", comment: "m1", text: "@carol and @erin, see this"), by: "bob")
            .then([.cardCommented(CardCommented(board: Self.board, card: "c1", comment: "m1", text: "@carol and @erin, see this",
                                                mentions: ["carol"]))])
    }

    @Test func anArchivedBoardIsReadOnlyUntilRestored() {
        var given = Self.office()
        Self.card(&given, "c1")
        given.run(ArchiveBoard(board: Self.board, archived: true), by: "alice")
        given.when(MoveCard(board: Self.board, card: "c1", stage: Self.doing), by: "bob").thenRejected(.forbidden, "board_archived")
        given.when(ArchiveBoard(board: Self.board, archived: false), by: "alice")
            .then([.boardArchived(BoardArchived(board: Self.board, archived: false))])
    }

    @Test func aBoardKeepsAnOwner() {
        let given = Self.office()
        given.when(SetBoardMember(board: Self.board, user: "alice", role: nil), by: "alice").thenRejected(.conflict, "last_owner")
        given.when(SetBoardMember(board: Self.board, user: "alice", role: .editor), by: "alice").thenRejected(.conflict, "last_owner")
        // Anyone may leave.
        given.when(SetBoardMember(board: Self.board, user: "carol", role: nil), by: "carol")
            .then([.boardMemberChanged(BoardMemberChanged(board: Self.board, user: "carol", role: nil))])
    }

    @Test func aDeadlineReminderFiresOncePerDeadline() {
        var given = Self.office()
        let deadline = given.now + 3_600_000_000
        given.run(CreateCard(board: Self.board, card: "c1", stage: Self.todo, fields: CardFields(title: "Due", assignees: ["bob"], deadline: deadline)),
                  by: "bob")
        let ahead: Int64 = 24 * 3_600_000_000
        #expect(given.state.boards.dueForReminder(now: given.now, ahead: ahead).map(\.1) == ["c1"])
        given.when(RemindCardDeadline(board: Self.board, card: "c1", ahead: ahead), by: "bob").thenRejected(.forbidden, "system_only")
        given.run(RemindCardDeadline(board: Self.board, card: "c1", ahead: ahead), by: .system)
        #expect(given.state.boards.dueForReminder(now: given.now, ahead: ahead).isEmpty)
        given.when(RemindCardDeadline(board: Self.board, card: "c1", ahead: ahead), by: .system).then([])
        // A new deadline is reminded again; a card in a done stage is not.
        given.run(ChangeCard(board: Self.board, card: "c1", fields: CardFields(deadline: deadline + 1_000_000)), by: "bob")
        #expect(given.state.boards.dueForReminder(now: given.now, ahead: ahead).count == 1)
        given.run(MoveCard(board: Self.board, card: "c1", stage: Self.done), by: "bob")
        #expect(given.state.boards.dueForReminder(now: given.now, ahead: ahead).isEmpty)
    }

    @Test func aBoardAsOfADateIsTheFoldOfItsEventsUntilThen() {
        var given = Self.office()
        Self.card(&given, "c1")
        let before = given.state
        given.run(MoveCard(board: Self.board, card: "c1", stage: Self.done), by: "bob")
        let events = given.history.filter { $0.position <= before.position }
        #expect(BoardsView.asOf(events, board: Self.board) == before.boards[Self.board])
        #expect(BoardsView.asOf(given.history, board: Self.board) == given.state.boards[Self.board])
    }

    @Test func stagesLanesAndTheBoardItselfChangeAsAsked() {
        var given = Self.office()
        given.when(AddStage(board: Self.board, stage: "s-new", name: "Blocked", placement: .after(Self.doing.rawValue)), by: "bob")
            .then([.stageAdded(StageAdded(board: Self.board, stage: StageSpec(
                id: "s-new", name: "Blocked", key: OrderKey.between(given.state.boards[Self.board]!.stages[Self.doing]!.spec.key,
                                                                  given.state.boards[Self.board]!.stages[Self.review]!.spec.key)!)))])
        given.when(AddStage(board: Self.board, stage: Self.todo, name: "Again"), by: "bob").thenRejected(.conflict, "stage_exists")
        given.when(AddStage(board: Self.board, stage: "s-x", name: "x", wipLimit: -1), by: "bob").thenRejected(.invalid, "wip_limit")
        given.run(AddLane(board: Self.board, lane: "l2", name: "Client A"), by: "bob")
        given.run(ChangeLane(board: Self.board, lane: "l2", name: "Client B", placement: .after(nil)), by: "bob")
        let lanes = given.state.boards[Self.board]!.orderedLanes
        #expect(lanes.map(\.spec.name) == ["Client B", ""])
        given.when(ChangeLane(board: Self.board, lane: "nope", name: "x"), by: "bob").thenRejected(.notFound, "lane")
        // The board's settings are its owner's.
        given.when(ChangeBoard(board: Self.board, settings: BoardSettings(title: "Moving day")), by: "bob")
            .thenRejected(.forbidden, "board_role:owner")
        given.when(ChangeBoard(board: Self.board, settings: BoardSettings(title: "Moving day", room: "nope")), by: "alice")
            .thenRejected(.notFound, "room")
        given.when(ChangeBoard(board: Self.board, settings: BoardSettings(title: "Moving day")), by: "alice")
            .then([.boardChanged(BoardChanged(board: Self.board, settings: BoardSettings(title: "Moving day")))])
    }

    @Test func cardsAreWatchedAndDeleted() {
        var given = Self.office()
        Self.card(&given, "c1")
        // Its creator watches it; a viewer may too; watching twice changes nothing.
        #expect(given.state.boards[Self.board]!.cards["c1"]!.watchers == ["bob"])
        given.when(WatchCard(board: Self.board, card: "c1", watching: true), by: "bob").then([])
        given.run(WatchCard(board: Self.board, card: "c1", watching: true), by: "carol")
        #expect(given.state.boards[Self.board]!.cards["c1"]!.watchers == ["bob", "carol"])
        given.when(DeleteCard(board: Self.board, card: "c1"), by: "carol").thenRejected(.forbidden, "board_role:editor")
        given.run(DeleteCard(board: Self.board, card: "c1"), by: "bob")
        #expect(given.state.boards[Self.board]!.cards["c1"] == nil && Self.order(given, Self.todo).isEmpty)
        given.when(DeleteCard(board: Self.board, card: "c1"), by: "bob").thenRejected(.notFound, "card")
    }

    @Test func tenThousandCardsInOneColumnStayInOrder() {
        var given = Self.office()
        for index in 0..<10_000 {
            given.run(CreateCard(board: Self.board, card: CardID("c\(index)"), stage: Self.todo, fields: CardFields(title: "T")), by: "bob")
        }
        let order = Self.order(given, Self.todo)
        #expect(order.count == 10_000)
        #expect(order.first == "c0" && order.last == "c9999")
        given.run(MoveCard(board: Self.board, card: "c9999", stage: Self.todo, placement: .after("c0")), by: "bob")
        #expect(Array(Self.order(given, Self.todo).prefix(2)) == ["c0", "c9999"])
        #expect(given.state.boards[Self.board]!.cards.values.map(\.place.key.rawValue.count).max()! <= 5)
    }
}
