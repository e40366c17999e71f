import Hummingbird
import Projections
import Wire

/// `GET /api/v1/search`: the HTTP door to `SearchService` (the WebSocket's `search` command is
/// the other; both answer the same object).
struct SearchRoutes {
    let kit: HTTPKit

    func add(to api: RouterGroup<CauserieContext>) {
        let kit = self.kit
        api.get("search") { request, _ in
            let (user, _) = try kit.caller(request)
            let query = try kit.query(request, allowing: ["q", "order", "limit", "before", "offset", "timeZone"])
            let fields: (String?, String?, SearchPageSize?, Position?, SearchOffset?, String?)
            do throws(Rejection) {
                fields = (try query.string("q"), try query.string("order"), try query.number("limit"),
                          try query.number("before"), try query.number("offset"), try query.string("timeZone"))
            } catch {
                throw APIError(error)
            }
            let search = try SearchService.Request(
                text: fields.0, order: fields.1, limit: fields.2, before: fields.3, offset: fields.4, timeZone: fields.5)
            return kit.json(bytes: try await SearchService(core: kit.core).search(search, by: user))
        }
    }
}
