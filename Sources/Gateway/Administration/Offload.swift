import Foundation
import Logging
import Operations

/// Runs blocking work (a backup, an export, a scan of the log) off Swift's cooperative threads,
/// which the server's connections run on. Its failures become the API's: a refusal 400, anything
/// else 503 `operation_failed` (logged).
func offloaded<T: Sendable>(_ core: ChatCore, _ work: @escaping @Sendable () throws -> T) async throws(APIError) -> T {
    do {
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    } catch let error as APIError {
        throw error
    } catch OperationError.refused(let why) {
        throw APIError(code: "invalid", reason: "refused:" + why, status: 400)
    } catch {
        core.logger.error("operation failed", metadata: ["error": "\(error)"])
        throw APIError(code: "unavailable", reason: "operation_failed", status: 503)
    }
}
