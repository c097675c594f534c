import Testing
@testable import Gavel
@Test func placeholder() { #expect(CurlGlobal.initialize()) }
