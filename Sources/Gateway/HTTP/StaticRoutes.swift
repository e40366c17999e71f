import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web client's files and the API description, served with their content types.
struct StaticRoutes {
    let webRoot: String?

    /// Where bundled files are: the configured web root, else the resources built with the server.
    private var resources: URL? {
        if let webRoot { return URL(fileURLWithPath: webRoot) }
        return Bundle.module.resourceURL
    }

    func add(to router: Router<CauserieContext>) {
        let resources = self.resources
        router.get("api/openapi.yaml") { _, _ in
            guard let url = resources?.appendingPathComponent("openapi.yaml"), let data = try? Data(contentsOf: url) else {
                throw APIError.notFound("file")
            }
            return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "no-cache"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: "Causerie is running. The web client comes next.\n")))
        }
    }
}
