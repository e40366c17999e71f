import CLMDB

extension LMDBEventStore {
    /// Recomputes the hash chain over `[from, to]` (to the last record if nil), checks every
    /// record decodes, that positions have no gaps, that timestamps never go back, that the stream
    /// index points at each record, and (for a full check to the end) that the log ends exactly at
    /// the recorded head. Stops at the first defect and reports its position.
    ///
    /// Checking from the middle trusts the stored hash of the record before `from`.
    public func verifyLog(from: UInt64 = 1, to: UInt64? = nil) throws(EventStoreError) -> VerificationReport {
        let start = max(from, 1)
        let recorded = try currentHead()
        var report = VerificationReport(
            from: start, checked: 0, verifiedHead: .empty, recordedHead: recorded, problem: nil)
        var previous: ChainHash
        do throws(EventStoreError) {
            previous = try predecessorHash(of: start)
        } catch {
            report.problem = .init(position: start - 1, kind: .missingRecord, detail: error.detail)
            return report
        }
        report.verifiedHead = Head(position: start - 1, hash: previous)
        var next = start
        var lastTimestamp = Timestamp(microseconds: .min)
        let end = to ?? .max
        var reachedEnd = false
        while report.problem == nil && !reachedEnd {
            // One read transaction per chunk so a long verify does not pin old pages.
            try environment.read { (txn) throws(EventStoreError) in
                let cursor = try txn.cursor(environment.events)
                defer { cursor.close() }
                var entry = try cursor.seek(position: next)
                let watermark = try Self.readWatermark(txn, environment)
                var count = 0
                while count < 65_536 {
                    guard let (key, value) = entry else {
                        reachedEnd = true
                        return
                    }
                    guard key.count == 8 else {
                        report.problem = .init(position: next, kind: .undecodable, detail: "a key of \(key.count) bytes")
                        return
                    }
                    let position = key.bigEndianUInt64
                    if position > end {
                        reachedEnd = true
                        return
                    }
                    guard position == next else {
                        report.problem = .init(
                            position: next, kind: .missingRecord,
                            detail: "the record is missing; the log jumps to position \(position)")
                        return
                    }
                    if let problem = check(
                        value, at: position, previous: previous, txn: txn, indexed: position <= watermark,
                        after: &lastTimestamp)
                    {
                        report.problem = problem
                        return
                    }
                    previous = ChainHash(bytes: UnsafeRawBufferPointer(rebasing: value[(value.count - 32)...]))
                    report.verifiedHead = Head(position: position, hash: previous)
                    report.checked += 1
                    next = position + 1
                    count += 1
                    entry = try cursor.move(MDB_NEXT)
                }
            }
        }
        guard report.problem == nil else { return report }
        if to == nil || end >= recorded.position {
            let last = report.verifiedHead
            if last.position < recorded.position {
                report.problem = .init(
                    position: last.position + 1, kind: .truncated,
                    detail: "the log ends at \(last.position) but its recorded head is \(recorded.position)")
            } else if last.position > recorded.position && to == nil {
                report.problem = .init(
                    position: recorded.position + 1, kind: .headMismatch,
                    detail: "records lie beyond the recorded head \(recorded.position)")
            } else if last.position == recorded.position && last.hash != recorded.hash {
                report.problem = .init(
                    position: last.position, kind: .headMismatch, detail: "the last record's hash differs from the recorded head")
            }
        }
        return report
    }

    private func check(
        _ value: UnsafeRawBufferPointer, at position: UInt64, previous: ChainHash, txn: Transaction, indexed: Bool,
        after lastTimestamp: inout Timestamp
    ) -> VerificationReport.Problem? {
        let event: RecordedEvent
        do throws(EventStoreError) {
            try RecordCodec.checkHeader(value, position: position)
            let stored = try RecordCodec.storedHash(value, position: position)
            let computed = RecordCodec.chainHash(
                previous: previous, position: position, body: UnsafeRawBufferPointer(rebasing: value[..<(value.count - 32)]))
            guard computed == stored else {
                return .init(
                    position: position, kind: .hashMismatch,
                    detail: "the record's bytes and its predecessor's hash do not give its stored hash")
            }
            event = try RecordCodec.decode(value, position: position, previous: nil)
        } catch {
            return .init(
                position: position, kind: error.code == .unsupportedFormat ? .unsupportedFormat : .undecodable,
                detail: error.detail)
        }
        guard event.timestamp >= lastTimestamp else {
            return .init(position: position, kind: .timestampRegression, detail: "stamped before its predecessor")
        }
        lastTimestamp = event.timestamp
        let indexKey = StreamKey.make(event.stream, version: event.streamVersion)
        let found = try? indexKey.withBytes { (raw) throws(EventStoreError) in
            try txn.get(environment.streams, raw).map { $0.count == 8 ? $0.bigEndianUInt64 : 0 }
        }
        // Above the watermark, an event may still wait in the writer's backlog.
        guard found == position || (found == nil && !indexed) else {
            return .init(
                position: position, kind: .indexMismatch,
                detail: "the stream index does not map \(event.stream)#\(event.streamVersion) to this record")
        }
        return nil
    }
}
