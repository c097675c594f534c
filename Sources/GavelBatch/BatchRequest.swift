import GavelJSON

/// One judge call to send in a batch: its cache key (the batch's `custom_id`, so answers go
/// straight into the cache), the panel member it is for, its request body and how many ids its
/// prompt has (to validate the answer as a live call's).
public struct BatchRequest: Sendable {
    public var customID: String
    public var member: Int
    public var body: JSONValue
    public var ids: Int
}
