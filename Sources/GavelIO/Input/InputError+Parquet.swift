import GavelCore
import GavelParquet

extension InputError {
    /// A Parquet file Gavel cannot read (`FILE: column X: what`).
    static func parquet(_ error: ParquetError) -> InputError {
        .parquet(path: error.path, column: error.column, detail: error.detail)
    }
}
