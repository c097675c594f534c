import GavelSupport

/// How a worker's reply travels back: the payload then one status byte on the pipe, or — for a
/// large payload left in the worker's shared region — its length then the shared status byte.
///
/// The status is the last byte, so the parent drops it in O(1) and never copies a payload.
enum PoolReplyFrame {
    /// The handler's payload follows on the pipe.
    static let ok: UInt8 = 0
    /// The payload is the handler's error message (UTF-8).
    static let failed: UInt8 = 1
    /// The payload waits in the worker's shared region; the frame holds its length.
    static let shared: UInt8 = 2

    /// The pipe frame for a payload left in shared memory: its length, then the status byte.
    static func sharedReply(length: Int) -> [UInt8] {
        var w = FrameWriter(reservingCapacity: 9)
        w.i64(length)
        w.u8(shared)
        return w.bytes
    }

    /// The length of a shared-memory reply, or nil for any other reply.
    static func sharedLength(_ frame: [UInt8]) -> Int? {
        guard frame.count == 9, frame.last == shared else { return nil }
        var r = FrameReader(Array(frame.prefix(8)))
        return try? r.i64()
    }

    /// The payload of a pipe reply, or the error it carries.
    static func payload(of frame: [UInt8], job: Int) -> Result<ByteChunk, any Error> {
        var bytes = frame
        switch bytes.popLast() {
        case ok?: return .success(ByteChunk(bytes))
        case failed?: return .failure(ProcessPool.PoolError.remote(String(decoding: bytes, as: UTF8.self)))
        default: return .failure(ProcessPool.PoolError.malformedReply("job #\(job): the worker's reply has no status"))
        }
    }
}
