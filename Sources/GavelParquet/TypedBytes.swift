extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws `ParquetError` (the standard one rethrows untyped).
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws(ParquetError) -> T) throws(ParquetError) -> T {
        let result: Result<T, ParquetError> = withUnsafeBytes { buf in Result { () throws(ParquetError) in try body(buf) } }
        return try result.get()
    }
}
