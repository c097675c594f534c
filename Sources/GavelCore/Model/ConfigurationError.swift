/// A problem with the run's settings, found before any work starts.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The setting to change, when one is to blame.
    public let setting: Setting?
    public init(_ description: String, setting: Setting? = nil) {
        self.description = description
        self.setting = setting
    }
}
