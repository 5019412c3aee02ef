import Testing

@testable import CodeServer

struct IPAddressTests {
    @Test func strictDottedQuadsOnly() {
        #expect(IPAddress("10.0.0.1")?.bytes == [10, 0, 0, 1])
        #expect(IPAddress("127.1") == nil)
        #expect(IPAddress("017.0.0.1") == nil, "a leading zero is octal to inet_aton")
        #expect(IPAddress("256.0.0.1") == nil)
        #expect(IPAddress("1.2.3.4.5") == nil)
    }

    @Test func ipv6SpellingsOfOneAddressAreEqual() {
        #expect(IPAddress("::1") == IPAddress("0:0:0:0:0:0:0:1"))
        #expect(IPAddress("2001:db8::1") == IPAddress("2001:0DB8:0000::0001"))
        #expect(IPAddress("::") != nil)
        #expect(IPAddress("1::2::3") == nil)
        #expect(IPAddress("1:2:3:4:5:6:7:8:9") == nil)
        #expect(IPAddress("12345::") == nil)
    }

    @Test func ipv4MappedAddressIsTheIPv4Address() {
        #expect(IPAddress("::ffff:10.1.2.3") == IPAddress("10.1.2.3"))
        #expect(IPAddress("::ffff:a01:203") == IPAddress("10.1.2.3"))
    }

    @Test func descriptionIsCanonical() {
        #expect(IPAddress("2001:0db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("0:0:0:0:0:0:0:1")?.description == "::1")
        #expect(IPAddress("fe80:0:0:0:0:0:0:0")?.description == "fe80::")
        #expect(IPAddress("192.168.0.1")?.description == "192.168.0.1")
    }

    @Test func networksContainTheirAddressesOnly() throws {
        let v4 = try #require(IPNetwork(address: IPAddress("10.0.0.0")!, prefixLength: 8))
        #expect(v4.contains(IPAddress("10.255.1.2")!))
        #expect(!v4.contains(IPAddress("11.0.0.1")!))
        #expect(!v4.contains(IPAddress("::ffff:11.0.0.1")!))
        #expect(v4.contains(IPAddress("::ffff:10.0.0.1")!))
        let v6 = try #require(IPNetwork(address: IPAddress("2001:db8::")!, prefixLength: 32))
        #expect(v6.contains(IPAddress("2001:db8:ffff::1")!))
        #expect(!v6.contains(IPAddress("2001:db9::1")!))
        #expect(!v6.contains(IPAddress("10.0.0.1")!))
        let odd = try #require(IPNetwork(address: IPAddress("10.0.0.0")!, prefixLength: 9))
        #expect(odd.contains(IPAddress("10.127.0.1")!))
        #expect(!odd.contains(IPAddress("10.128.0.1")!))
    }

    @Test func networkWithHostBitsIsRefused() {
        #expect(IPNetwork(address: IPAddress("10.0.0.1")!, prefixLength: 8) == nil)
        #expect(IPNetwork(address: IPAddress("10.0.0.0")!, prefixLength: 33) == nil)
        #expect(IPNetwork(address: IPAddress("0.0.0.0")!, prefixLength: 0) != nil)
    }
}
