import EventStore
import Logging
import Projections

extension ChatCore {
    /// Logs a reminder for each card whose deadline is within `deadlineReminderMinutes` and not
    /// yet reminded: the event reaches the board's members live (the assignees' clients notify),
    /// and whoever was offline finds it on reconnecting. Once per deadline (the command checks).
    func remindDeadlines(now: Int64 = Timestamp.now().microseconds) async {
        let ahead = Int64(configuration.limits.deadlineReminderMinutes) * 60_000_000
        let due = withState { $0.boards.dueForReminder(now: now, ahead: ahead) }
        for (board, card) in due {
            do {
                try await execute(RemindCardDeadline(board: board, card: card, ahead: ahead), by: .system)
            } catch {
                logger.warning("a deadline reminder was not recorded", metadata: ["board.id": "\(board)", "error": "\(error)"])
            }
        }
    }
}
