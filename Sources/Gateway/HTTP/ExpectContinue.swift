import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// `Expect: 100-continue` (RFC 9110 §10.1.1). A client that sends it — curl for any body over
/// 1 MiB, .NET, some WebDAV clients — holds its body back until the server says "100 Continue"
/// or answers for good; curl waits a whole second otherwise, which halved a 1 GiB upload's rate.
///
/// The interim answer is sent when a route first reads the body (`ExpectContinueMiddleware`),
/// not when the header arrives: everything a route checks before reading — rights, the area,
/// the quota against Content-Length — is answered (a 403, a 413) without the client ever
/// sending the bytes. Such a final answer closes the connection (`ExpectContinueHandler`): the
/// client may or may not send the body it held back, so what follows on the socket is unknown.
struct ExpectContinueMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: CauserieContext, next: (Request, CauserieContext) async throws -> Response)
        async throws -> Response
    {
        guard let expect = request.headers[.expect], expect.lowercased().contains("100-continue") else {
            return try await next(request, context)
        }
        var request = request
        request.body = RequestBody(asyncSequence: ContinueOnFirstRead(base: request.body, channel: context.channel))
        return try await next(request, context)
    }
}

/// The body, which first tells the client to send it.
struct ContinueOnFirstRead: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let channel: any Channel

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        var channel: (any Channel)?

        mutating func next() async throws -> ByteBuffer? {
            if let channel {
                self.channel = nil
                // Should it fail, the connection is gone and reading the body says so.
                try? await channel.writeAndFlush(HTTPResponsePart.head(HTTPResponse(status: .continue)))
            }
            return try await base.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), channel: channel)
    }
}

/// Watches requests that expect 100-continue: a final answer given while the client may still
/// be holding its body back gets `Connection: close`, and the connection closes once it is
/// written (what nginx does). HTTP/1.0 clients' expectations are ignored, as the RFC says.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    static let name = "causerie.expect-continue"
    /// The request expects 100-continue, has not had it, and its body is not all in.
    private var holding = false
    private var closeAfterResponse = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            holding = head.version == .http1_1
                && head.headers[canonicalForm: "expect"].contains { $0.lowercased() == "100-continue" }
            closeAfterResponse = false
        case .body: break
        case .end: holding = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where holding:
            if head.status == .continue {
                holding = false
            } else if head.status.code >= 200 {
                holding = false
                closeAfterResponse = true
                head.headers.replaceOrAdd(name: "Connection", value: "close")
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
            context.write(data, promise: promise)
        case .end where closeAfterResponse:
            closeAfterResponse = false
            let channel = context.channel
            let written = promise ?? context.eventLoop.makePromise()
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            context.writeAndFlush(data, promise: written)
        default:
            context.write(data, promise: promise)
        }
    }
}
