/// The network side: HTTP API, WebSocket protocol, static web client.
public enum Gateway {}
