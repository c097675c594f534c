import GavelParquet

/// How Parquet output is compressed (`--parquet-compression`): the codecs Gavel writes.
public enum ParquetCompression: String, Sendable, CaseIterable {
    case zstd, snappy, none

    package var codec: ParquetCodec {
        switch self {
        case .zstd: return .zstd
        case .snappy: return .snappy
        case .none: return .uncompressed
        }
    }
}
