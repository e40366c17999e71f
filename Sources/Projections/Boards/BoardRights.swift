/// Who may see and change a board: one rule, asked by every door (HTTP API, WebSocket, web client,
/// the replay tool's readers). docs/boards.md has the table.
extension ChatState {
    /// The role `user` acts with on `board`: their membership, or owner for an administrator
    /// (who manages every board, as MyChat's do); nil if they may not see it at all.
    public func boardRole(_ board: BoardsView.Board, _ user: UserID) -> BoardRole? {
        guard let account = accounts[user], !account.disabled else { return nil }
        let rights = permissions(of: user)
        if rights.contains(.administer) { return .owner }
        guard rights.contains(.kanban) else { return nil }
        return board.members[user]
    }

    /// Whether `user` may read the board now (its cards, history, files).
    public func mayRead(_ board: BoardID, _ user: UserID) -> Bool {
        guard let found = boards[board] else { return false }
        return boardRole(found, user) != nil
    }

    /// The board, if `actor` acts on it with at least `role`. A board the actor cannot see is
    /// `notFound`, exactly like one that does not exist; an archived one is read-only.
    func board(_ id: BoardID, _ actor: UserID, atLeast role: BoardRole, evenArchived: Bool = false) throws(Rejection)
        -> BoardsView.Board
    {
        _ = try activeAccount(actor)
        guard let board = boards[id], let actual = boardRole(board, actor) else {
            if !permissions(of: actor).contains(.kanban) && !permissions(of: actor).contains(.administer) {
                throw .forbidden("missing_permission:kanban")
            }
            throw .notFound("board")
        }
        guard actual >= role else { throw .forbidden("board_role:\(role.name)") }
        if board.archived && !evenArchived { throw .forbidden("board_archived") }
        return board
    }

    /// A card of the board (not another board's: `notFound`).
    func card(_ id: CardID, on board: BoardsView.Board) throws(Rejection) -> BoardsView.Card {
        guard let card = board.cards[id] else { throw .notFound("card") }
        return card
    }
}
