/// `withUnsafeBytes` variants that keep a typed `EventStoreError` (the standard ones rethrow
/// `any Error`).
extension Array where Element == UInt8 {
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws(EventStoreError) -> T) throws(EventStoreError) -> T {
        try withUnsafeBytes { raw in Result { () throws(EventStoreError) in try body(raw) } }.get()
    }
}

func withBytes<T>(of value: UInt64, _ body: (UnsafeRawBufferPointer) throws(EventStoreError) -> T)
    throws(EventStoreError) -> T
{
    var copy = value
    return try withUnsafeBytes(of: &copy) { raw in Result { () throws(EventStoreError) in try body(raw) } }.get()
}
