package io.gatehouse.routes.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What the allow-list decides, table-driven: host normalisation, wildcards, ports, sources, IP tricks, denied ranges. */
class AllowListTest {
  private static final String CONFIG = """
      egress:
        allow:
          - { host: api.github.com, ports: [443] }
          - { host: "*.example.com", ports: [443, 80] }
          - { host: deep.a.example.com, ports: [8443] }
          - { name: internal-only, host: reports.corp.test, ports: [443], sources: [10.1.0.0/16] }
          - { host: "bücher.test", ports: [80] }
          - { cidr: 203.0.113.0/24, ports: [443] }
          - { name: lab, cidr: 127.0.0.0/8, ports: [8080] }
          - { host: plain.test, ports: [80], originateTls: true }
          - { name: checkout, host: pay.test, ports: [443], identities: ["spiffe://cluster.local/ns/shop/sa/checkout"] }
      """;

  private static final AllowList LIST = compile(CONFIG);
  private static final Client CLIENT = Client.of(ip("10.2.3.4"));

  private static AllowList compile(String yaml) {
    LoadResult result = ConfigLoader.load(List.of(new ConfigFile("e.yaml", yaml, Path.of("."))));
    if (result instanceof LoadResult.Rejected r) {
      throw new AssertionError(r.errors().toString());
    }
    GatewayConfig config = ((LoadResult.Loaded) result).config();
    return AllowList.compile(config.egress());
  }

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  record Case(String desc, String host, int port, Verdict verdict, String rule) {
    @Override public String toString() {
      return desc;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("exact host and port", "api.github.com", 443, Verdict.ALLOWED, "api.github.com"),
        new Case("uppercase", "API.GitHub.COM", 443, Verdict.ALLOWED, "api.github.com"),
        new Case("trailing dot", "api.github.com.", 443, Verdict.ALLOWED, "api.github.com"),
        new Case("percent-encoded letters", "api.git%68ub.com", 443, Verdict.ALLOWED, "api.github.com"),
        new Case("exact host, other port", "api.github.com", 80, Verdict.PORT_NOT_ALLOWED, "api.github.com"),
        new Case("sub of exact host is not it", "x.api.github.com", 443, Verdict.HOST_NOT_ALLOWED, ""),
        new Case("wildcard takes one label", "www.example.com", 443, Verdict.ALLOWED, "*.example.com"),
        new Case("wildcard takes several labels", "a.b.example.com", 80, Verdict.ALLOWED, "*.example.com"),
        new Case("wildcard does not take the apex", "example.com", 443, Verdict.HOST_NOT_ALLOWED, ""),
        new Case("wildcard is not a string suffix", "evilexample.com", 443, Verdict.HOST_NOT_ALLOWED, ""),
        new Case("suffix attack", "example.com.evil.test", 443, Verdict.HOST_NOT_ALLOWED, ""),
        new Case("exact before wildcard", "deep.a.example.com", 8443, Verdict.ALLOWED, "deep.a.example.com"),
        new Case("falls through to wildcard port", "deep.a.example.com", 443, Verdict.ALLOWED, "*.example.com"),
        new Case("neither port", "deep.a.example.com", 22, Verdict.PORT_NOT_ALLOWED, "deep.a.example.com"),
        new Case("source not allowed", "reports.corp.test", 443, Verdict.SOURCE_NOT_ALLOWED, "internal-only"),
        new Case("IDN as punycode", "xn--bcher-kva.test", 80, Verdict.ALLOWED, "bücher.test"),
        new Case("IDN in unicode", "BÜCHER.test", 80, Verdict.ALLOWED, "bücher.test"),
        new Case("IDN percent-encoded UTF-8", "b%C3%BCcher.test", 80, Verdict.ALLOWED, "bücher.test"),
        new Case("unlisted host", "evil.test", 443, Verdict.HOST_NOT_ALLOWED, ""),
        new Case("IP in CIDR entry", "203.0.113.9", 443, Verdict.ALLOWED, "203.0.113.0/24"),
        new Case("IP in CIDR entry, other port", "203.0.113.9", 80, Verdict.PORT_NOT_ALLOWED, "203.0.113.0/24"),
        new Case("unlisted IP", "198.51.100.1", 443, Verdict.HOST_NOT_ALLOWED, ""),
        new Case("decimal IP literal", "3405803785", 443, Verdict.ALLOWED, "203.0.113.0/24"),
        new Case("octal loopback reads as loopback", "0177.0.0.1", 8080, Verdict.ALLOWED, "lab"),
        new Case("hex short loopback", "0x7f.1", 8080, Verdict.ALLOWED, "lab"),
        new Case("decimal loopback", "2130706433", 8080, Verdict.ALLOWED, "lab"),
        new Case("IPv4-mapped IPv6 loopback", "[::ffff:127.0.0.1]", 8080, Verdict.ALLOWED, "lab"),
        new Case("numeric non-address", "1.2.3.999", 80, Verdict.INVALID_HOST, ""),
        new Case("numeric last label", "evil.0x7f", 80, Verdict.INVALID_HOST, ""),
        new Case("userinfo is not a host", "api.github.com@evil.test", 443, Verdict.INVALID_HOST, ""),
        new Case("encoded slash", "api.github.com%2fevil.test", 443, Verdict.INVALID_HOST, ""),
        new Case("bad escape", "api%zz.test", 443, Verdict.INVALID_HOST, ""),
        new Case("space", "api .test", 443, Verdict.INVALID_HOST, ""),
        new Case("empty", "", 443, Verdict.INVALID_HOST, ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decides(Case c) {
    Decision d = LIST.check(Target.parse(c.host()), c.port(), CLIENT);
    assertEquals(c.verdict(), d.verdict(), c.desc());
    assertEquals(c.rule(), d.rule(), c.desc());
  }

  @Test
  void sourceInRangeIsAllowed() {
    assertTrue(LIST.check(Target.parse("reports.corp.test"), 443, Client.of(ip("10.1.200.7"))).allowed());
  }

  @Test
  void identitiesRestrictAnEntryToCertificateHolders() {
    InetAddress address = ip("10.2.3.4");
    assertEquals(Verdict.SOURCE_NOT_ALLOWED, LIST.check(Target.parse("pay.test"), 443, Client.of(address)).verdict());
    assertEquals(Verdict.SOURCE_NOT_ALLOWED, LIST.check(Target.parse("pay.test"), 443,
        new Client(address, List.of("spiffe://cluster.local/ns/shop/sa/web"))).verdict());
    assertTrue(LIST.check(Target.parse("pay.test"), 443,
        new Client(address, List.of("DNS-ignored.test", "spiffe://cluster.local/ns/shop/sa/checkout"))).allowed());
  }

  @Test
  void originationIsCarriedByTheDecision() {
    Decision d = LIST.check(Target.parse("plain.test"), 80, CLIENT);
    assertTrue(d.allowed() && d.originateTls());
  }

  record AddressCase(String desc, String address, int port, Verdict verdict) {
    @Override public String toString() {
      return desc;
    }
  }

  static Stream<AddressCase> addresses() {
    return Stream.of(
        new AddressCase("public address", "93.184.216.34", 443, Verdict.ALLOWED),
        new AddressCase("metadata endpoint", "169.254.169.254", 443, Verdict.ADDRESS_DENIED),
        new AddressCase("private 10/8", "10.0.0.5", 443, Verdict.ADDRESS_DENIED),
        new AddressCase("private 172.16/12", "172.31.255.1", 443, Verdict.ADDRESS_DENIED),
        new AddressCase("private 192.168/16", "192.168.1.1", 443, Verdict.ADDRESS_DENIED),
        new AddressCase("loopback on a port no CIDR entry opens", "127.0.0.1", 443, Verdict.ADDRESS_DENIED),
        new AddressCase("loopback opened by a CIDR entry", "127.0.0.1", 8080, Verdict.ALLOWED),
        new AddressCase("this network", "0.0.0.0", 443, Verdict.ADDRESS_DENIED),
        new AddressCase("IPv6 loopback", "::1", 443, Verdict.ADDRESS_DENIED),
        new AddressCase("IPv6 unique-local", "fd00::1", 443, Verdict.ADDRESS_DENIED),
        new AddressCase("IPv6 link-local", "fe80::1", 443, Verdict.ADDRESS_DENIED),
        new AddressCase("IPv4-mapped metadata", "::ffff:169.254.169.254", 443, Verdict.ADDRESS_DENIED),
        new AddressCase("NAT64 of loopback", "64:ff9b::7f00:1", 443, Verdict.ADDRESS_DENIED),
        new AddressCase("public IPv6", "2606:4700::1111", 443, Verdict.ALLOWED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("addresses")
  void checksResolvedAddresses(AddressCase c) {
    Decision allowed = LIST.check(Target.parse("api.github.com"), 443, CLIENT);
    assertEquals(c.verdict(), LIST.checkAddress(allowed, ip(c.address()), c.port(), CLIENT).verdict(), c.desc());
  }

  @Test
  void allowAnyStillDeniesPrivateAddresses() {
    AllowList any = compile("egress: { mode: ALLOW_ANY }");
    Decision d = any.check(Target.parse("anything.test"), 443, CLIENT);
    assertEquals(AllowList.ALLOW_ANY, d.rule());
    assertTrue(d.allowed());
    assertEquals(Verdict.ADDRESS_DENIED, any.checkAddress(d, ip("169.254.169.254"), 443, CLIENT).verdict());
    assertEquals("169.254.0.0/16", any.checkAddress(d, ip("169.254.169.254"), 443, CLIENT).rule());
  }

  @Test
  void registryOnlyWithoutEntriesDeniesEverything() {
    AllowList none = compile("egress: {}");
    assertEquals(Verdict.HOST_NOT_ALLOWED, none.check(Target.parse("api.github.com"), 443, CLIENT).verdict());
  }
}
