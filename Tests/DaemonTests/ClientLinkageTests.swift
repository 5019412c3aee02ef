import TestSupport
import Testing

/// The outbound HTTPS client (AsyncHTTPClient, and with it NIO and BoringSSL) is the daemon's
/// alone: `jcs`, which every sandboxed CLI call starts, and `jcs-worker`, the monitor of every
/// sandbox, must not link it. Read from the products' link lines (SwiftPM's object lists).
struct ClientLinkageTests {
    static let forbidden = ["/AsyncHTTPClient.build/", "/NIOCore.build/", "/NIOSSL.build/", "/CNIOBoringSSL.build/", "/NIOPosix.build/"]

    @Test(arguments: ["jcs", "jcs-worker"])
    func productDoesNotLinkNIO(_ product: String) throws {
        let list = BuiltProducts.path("\(product).product/Objects.LinkFileList")
        let objects = try #require(readTextFile(list), "no link line at \(list): was \(product) built?")
        #expect(objects.contains("/\(product == "jcs" ? "jcs" : "jcs_worker").build/"), "\(list) does not look like \(product)'s link line")
        for module in Self.forbidden {
            #expect(!objects.contains(module), "\(product) links \(module)")
        }
    }

    @Test func theDaemonLinksTheClient() throws {
        let list = BuiltProducts.path("jcs-coordinator.product/Objects.LinkFileList")
        let objects = try #require(readTextFile(list), "no link line at \(list)")
        #expect(objects.contains("/AsyncHTTPClient.build/"), "the check above would pass vacuously if object paths changed")
    }
}
