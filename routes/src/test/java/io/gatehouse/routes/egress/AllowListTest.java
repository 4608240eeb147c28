package io.gatehouse.routes.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import io.gatehouse.routes.Egress;
import io.gatehouse.routes.EgressRule;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the allow-list decides, table-driven: host normalisation, wildcards, ports, sources, IP tricks,
 * denied ranges; the CIDR index against overlaps and odd prefix lengths, and against a linear scan.
 */
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

  /** Overlapping networks declared in either order, one network declared thrice, /0 to /128, host bits set. */
  private static final String CIDRS = """
      egress:
        allow:
          - { name: wide-first, cidr: 198.51.0.0/16, ports: [443] }
          - { name: narrow-after-wide, cidr: 198.51.100.0/24, ports: [443, 8443] }
          - { name: narrow-first, cidr: 192.0.2.128/25, ports: [443] }
          - { name: wide-after-narrow, cidr: 192.0.2.0/24, ports: [443, 80] }
          - { name: twice-a, cidr: 203.0.113.0/24, ports: [443], sources: [10.1.0.0/16] }
          - { name: twice-b, cidr: 203.0.113.0/24, ports: [443, 80] }
          - { name: twice-c, cidr: 203.0.113.0/24, ports: [8080] }
          - { name: narrow-private, cidr: 10.20.30.0/24, ports: [8080] }
          - { name: wide-private, cidr: 10.0.0.0/8, ports: [8080, 9090], sources: [10.1.0.0/16] }
          - { name: slash7, cidr: 2.0.0.0/7, ports: [7] }
          - { name: slash13, cidr: 44.8.0.0/13, ports: [13] }
          - { name: host-bits, cidr: 45.1.2.3/16, ports: [16] }
          - { name: one-v4, cidr: 46.0.0.1/32, ports: [32] }
          - { name: v6-33, cidr: "2001:db8:8000::/33", ports: [33] }
          - { name: v6-65, cidr: "2001:db8:0:1:8000::/65", ports: [65] }
          - { name: v6-127, cidr: "2001:db8::/127", ports: [127] }
          - { name: v6-128, cidr: "2001:db8::5/128", ports: [128] }
          - { name: all-v4, cidr: 0.0.0.0/0, ports: [9] }
          - { name: all-v6, cidr: "::/0", ports: [9] }
      """;

  private static final AllowList CIDR_LIST = compile(CIDRS);
  private static final Client INSIDE = Client.of(ip("10.1.5.5"));

  record CidrCase(String desc, String host, int port, Client client, Verdict verdict, String rule) {
    @Override public String toString() {
      return desc;
    }
  }

  static Stream<CidrCase> cidrCases() {
    return Stream.of(
        new CidrCase("wider declared first wins", "198.51.100.7", 443, CLIENT, Verdict.ALLOWED, "wide-first"),
        new CidrCase("narrower declared later takes its own port", "198.51.100.7", 8443, CLIENT, Verdict.ALLOWED,
            "narrow-after-wide"),
        new CidrCase("port denied by the first containing entry", "198.51.100.7", 22, CLIENT,
            Verdict.PORT_NOT_ALLOWED, "wide-first"),
        new CidrCase("narrower declared first wins", "192.0.2.200", 443, CLIENT, Verdict.ALLOWED, "narrow-first"),
        new CidrCase("wider declared later takes its port", "192.0.2.200", 80, CLIENT, Verdict.ALLOWED,
            "wide-after-narrow"),
        new CidrCase("outside the narrower half", "192.0.2.5", 443, CLIENT, Verdict.ALLOWED, "wide-after-narrow"),
        new CidrCase("same network: first declared that takes the client", "203.0.113.9", 443, INSIDE,
            Verdict.ALLOWED, "twice-a"),
        new CidrCase("same network: source skips to the next", "203.0.113.9", 443, CLIENT, Verdict.ALLOWED, "twice-b"),
        new CidrCase("same network: third declared, own port", "203.0.113.9", 8080, CLIENT, Verdict.ALLOWED, "twice-c"),
        new CidrCase("same network: port names the first", "203.0.113.9", 22, CLIENT, Verdict.PORT_NOT_ALLOWED,
            "twice-a"),
        new CidrCase("source denied by the wider entry", "10.20.99.4", 9090, CLIENT, Verdict.SOURCE_NOT_ALLOWED,
            "wide-private"),
        new CidrCase("narrower private entry", "10.20.30.4", 8080, CLIENT, Verdict.ALLOWED, "narrow-private"),
        new CidrCase("/7 first address", "2.0.0.0", 7, CLIENT, Verdict.ALLOWED, "slash7"),
        new CidrCase("/7 last address", "3.255.255.255", 7, CLIENT, Verdict.ALLOWED, "slash7"),
        new CidrCase("/7 just after", "4.0.0.0", 7, CLIENT, Verdict.PORT_NOT_ALLOWED, "all-v4"),
        new CidrCase("/7 just before", "1.255.255.255", 7, CLIENT, Verdict.PORT_NOT_ALLOWED, "all-v4"),
        new CidrCase("/13 last address", "44.15.255.255", 13, CLIENT, Verdict.ALLOWED, "slash13"),
        new CidrCase("/13 just after", "44.16.0.0", 13, CLIENT, Verdict.PORT_NOT_ALLOWED, "all-v4"),
        new CidrCase("/13 just before", "44.7.255.255", 13, CLIENT, Verdict.PORT_NOT_ALLOWED, "all-v4"),
        new CidrCase("host bits in the entry are ignored", "45.1.200.200", 16, CLIENT, Verdict.ALLOWED, "host-bits"),
        new CidrCase("host bits: other network", "45.2.0.0", 16, CLIENT, Verdict.PORT_NOT_ALLOWED, "all-v4"),
        new CidrCase("/32 itself", "46.0.0.1", 32, CLIENT, Verdict.ALLOWED, "one-v4"),
        new CidrCase("/32 neighbour", "46.0.0.2", 32, CLIENT, Verdict.PORT_NOT_ALLOWED, "all-v4"),
        new CidrCase("IPv4-mapped IPv6 is IPv4", "[::ffff:46.0.0.1]", 32, CLIENT, Verdict.ALLOWED, "one-v4"),
        new CidrCase("IPv4-compatible IPv6 is not IPv4", "[::46.0.0.1]", 32, CLIENT, Verdict.PORT_NOT_ALLOWED,
            "all-v6"),
        new CidrCase("/0 takes what earlier entries refuse", "198.51.100.7", 9, CLIENT, Verdict.ALLOWED, "all-v4"),
        new CidrCase("/0 takes any IPv4", "8.8.8.8", 9, CLIENT, Verdict.ALLOWED, "all-v4"),
        new CidrCase("::/0 takes any IPv6", "[2606:4700::1]", 9, CLIENT, Verdict.ALLOWED, "all-v6"),
        new CidrCase("/33 last half", "[2001:db8:ffff::1]", 33, CLIENT, Verdict.ALLOWED, "v6-33"),
        new CidrCase("/33 first half", "[2001:db8:7fff::1]", 33, CLIENT, Verdict.PORT_NOT_ALLOWED, "all-v6"),
        new CidrCase("/65 in", "[2001:db8:0:1:ffff::1]", 65, CLIENT, Verdict.ALLOWED, "v6-65"),
        new CidrCase("/65 out", "[2001:db8:0:1:7fff::1]", 65, CLIENT, Verdict.PORT_NOT_ALLOWED, "all-v6"),
        new CidrCase("/127 even", "[2001:db8::]", 127, CLIENT, Verdict.ALLOWED, "v6-127"),
        new CidrCase("/127 odd", "[2001:db8::1]", 127, CLIENT, Verdict.ALLOWED, "v6-127"),
        new CidrCase("/127 next pair", "[2001:db8::2]", 127, CLIENT, Verdict.PORT_NOT_ALLOWED, "all-v6"),
        new CidrCase("/128 itself", "[2001:db8::5]", 128, CLIENT, Verdict.ALLOWED, "v6-128"),
        new CidrCase("/128 neighbour", "[2001:db8::4]", 128, CLIENT, Verdict.PORT_NOT_ALLOWED, "all-v6"),
        new CidrCase("an IPv4 entry never takes IPv6 with the same bits", "[2e00:1::]", 32, CLIENT, Verdict.PORT_NOT_ALLOWED, "all-v6"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cidrCases")
  void decidesByTheFirstDeclaredCidrEntry(CidrCase c) {
    Decision d = CIDR_LIST.check(Target.parse(c.host()), c.port(), c.client());
    assertEquals(c.verdict(), d.verdict(), c.desc());
    assertEquals(c.rule(), d.rule(), c.desc());
  }

  static Stream<CidrCase> deniedRangeCases() {
    return Stream.of(
        new CidrCase("opened by the narrower entry", "10.20.30.4", 8080, CLIENT, Verdict.ALLOWED, ""),
        new CidrCase("wider entry, client outside its sources", "10.20.99.4", 8080, CLIENT, Verdict.ADDRESS_DENIED,
            "10.0.0.0/8"),
        new CidrCase("opened by the wider entry for its sources", "10.20.99.4", 8080, INSIDE, Verdict.ALLOWED, ""),
        new CidrCase("narrower entry's network, wider entry's port", "10.20.30.4", 9090, INSIDE, Verdict.ALLOWED, ""),
        new CidrCase("narrower entry's network, wider entry's port, other client", "10.20.30.4", 9090, CLIENT,
            Verdict.ADDRESS_DENIED, "10.0.0.0/8"),
        new CidrCase("no entry takes the port", "10.20.30.4", 22, INSIDE, Verdict.ADDRESS_DENIED, "10.0.0.0/8"),
        new CidrCase("/0 opens metadata on its port", "169.254.169.254", 9, CLIENT, Verdict.ALLOWED, ""),
        new CidrCase("metadata on another port", "169.254.169.254", 443, CLIENT, Verdict.ADDRESS_DENIED,
            "169.254.0.0/16"),
        new CidrCase("::/0 opens IPv6 loopback on its port", "::1", 9, CLIENT, Verdict.ALLOWED, ""),
        new CidrCase("IPv4-mapped private address", "::ffff:10.20.30.4", 8080, CLIENT, Verdict.ALLOWED, ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deniedRangeCases")
  void opensADeniedRangeOnlyByAnEntryThatTakesPortAndClient(CidrCase c) {
    Decision allowed = new Decision(Verdict.ALLOWED, "x", false, "");
    Decision d = CIDR_LIST.checkAddress(allowed, ip(c.host()), c.port(), c.client());
    assertEquals(c.verdict(), d.verdict(), c.desc());
    assertEquals(c.verdict() == Verdict.ALLOWED ? "x" : c.rule(), d.rule(), c.desc());
  }

  private static final String CHECKOUT = "spiffe://cluster.local/ns/shop/sa/checkout";
  private static final List<Integer> PORTS = List.of(80, 443, 8080, 9, 22);

  /**
   * 10 000 generated CIDR entries, crowded into few networks so that they overlap at every prefix
   * length, against a scan in declared order: same verdict and entry for 5 000 IP literals, ports and
   * clients, and the same answer for the denied-range check.
   */
  @Test
  void indexAnswersAsALinearScanDoes() {
    Random random = new Random(7);
    List<EgressRule> rules = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      byte[] network = address(random);
      int bits = network.length * 8;
      int prefix = i == 5_000 ? 0 : random.nextInt(5) == 0 ? 1 + random.nextInt(bits) : bits / 2 + random.nextInt(bits / 2 + 1);
      List<Integer> ports = random.nextBoolean() ? List.of(PORTS.get(random.nextInt(4)))
          : List.of(PORTS.get(random.nextInt(2)), PORTS.get(2 + random.nextInt(2)));
      List<String> sources = random.nextInt(5) == 0 ? List.of("10.1.0.0/16") : List.of();
      List<String> identities = random.nextInt(10) == 0 ? List.of(CHECKOUT) : List.of();
      rules.add(new EgressRule("r" + i, new EgressRule.Destination.Cidr(text(network) + "/" + prefix), ports, sources,
          identities, false, ""));
    }
    AllowList list = AllowList.compile(new Egress(Egress.Mode.REGISTRY_ONLY, rules));
    List<Cidr> networks = rules.stream().map(r -> Cidr.parse(((EgressRule.Destination.Cidr) r.destination()).cidr()))
        .toList();
    List<Client> clients = List.of(new Client(ip("10.1.2.3"), List.of(CHECKOUT)), Client.of(ip("10.1.2.3")),
        Client.of(ip("10.9.9.9")));
    Decision allowed = new Decision(Verdict.ALLOWED, "x", false, "");
    int[] verdicts = new int[Verdict.values().length];
    for (int i = 0; i < 5_000; i++) {
      InetAddress address = ip(text(address(random)));
      int port = PORTS.get(random.nextInt(PORTS.size()));
      Client client = clients.get(random.nextInt(clients.size()));
      Decision expected = linear(rules, networks, address, port, client);
      Decision actual = list.check(new Target.Address(address), port, client);
      String what = address.getHostAddress() + " port " + port + " from " + client;
      assertEquals(expected.verdict(), actual.verdict(), what);
      assertEquals(expected.rule(), actual.rule(), what);
      assertEquals(linearAddress(allowed, rules, networks, address, port, client),
          list.checkAddress(allowed, address, port, client), what);
      verdicts[actual.verdict().ordinal()]++;
    }
    for (Verdict v : List.of(Verdict.ALLOWED, Verdict.HOST_NOT_ALLOWED, Verdict.PORT_NOT_ALLOWED,
        Verdict.SOURCE_NOT_ALLOWED)) {
      assertTrue(verdicts[v.ordinal()] > 20, "too few " + v + " to tell: " + verdicts[v.ordinal()]);
    }
  }

  /** An address from a crowded pool (public, private, IPv6, unique-local) or anywhere, as bytes. */
  private static byte[] address(Random random) {
    int pool = random.nextInt(6);
    byte[] bytes = new byte[pool < 3 ? 4 : 16];
    random.nextBytes(bytes);
    switch (pool) {
      case 0 -> bytes[0] = 10;
      case 1 -> {
        bytes[0] = (byte) 198;
        bytes[1] = 51;
      }
      case 3 -> {
        bytes[0] = 0x20;
        bytes[1] = 0x01;
        bytes[2] = 0x0d;
        bytes[3] = (byte) 0xb8;
      }
      case 4 -> bytes[0] = (byte) 0xfd;
      default -> {
        return bytes;
      }
    }
    // Crowd the rest: a few values per byte, so networks nest and repeat.
    for (int i = 2; i < bytes.length; i++) {
      bytes[i] &= (byte) (pool == 3 && i < 4 ? 0xff : 0x03);
    }
    return bytes;
  }

  private static String text(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes).getHostAddress();
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** The allow-list's answer for an IP literal, the slow way: every entry, in declared order. */
  private static Decision linear(List<EgressRule> rules, List<Cidr> networks, InetAddress address, int port,
                                 Client client) {
    byte[] bytes = address.getAddress();
    List<EgressRule> containing = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      if (networks.get(i).contains(bytes)) {
        containing.add(rules.get(i));
      }
    }
    for (EgressRule rule : containing) {
      if (rule.ports().contains(port) && takes(rule, client)) {
        return new Decision(Verdict.ALLOWED, rule.name(), false, "");
      }
    }
    for (EgressRule rule : containing) {
      if (rule.ports().contains(port)) {
        return Decision.denied(Verdict.SOURCE_NOT_ALLOWED, rule.name());
      }
    }
    return containing.isEmpty() ? Decision.denied(Verdict.HOST_NOT_ALLOWED, "")
        : Decision.denied(Verdict.PORT_NOT_ALLOWED, containing.get(0).name());
  }

  /** The denied-range check, the slow way. */
  private static Decision linearAddress(Decision allowed, List<EgressRule> rules, List<Cidr> networks,
                                        InetAddress address, int port, Client client) {
    Cidr denied = DeniedRanges.DEFAULT.stream().filter(r -> r.contains(address)).findFirst().orElse(null);
    if (denied == null) {
      return allowed;
    }
    byte[] bytes = address.getAddress();
    for (int i = 0; i < rules.size(); i++) {
      EgressRule rule = rules.get(i);
      if (networks.get(i).contains(bytes) && rule.ports().contains(port) && takes(rule, client)) {
        return allowed;
      }
    }
    return Decision.denied(Verdict.ADDRESS_DENIED, denied.text());
  }

  private static boolean takes(EgressRule rule, Client client) {
    return (rule.sources().isEmpty() || rule.sources().stream().anyMatch(s -> Cidr.parse(s).contains(client.address())))
        && (rule.identities().isEmpty() || client.identities().stream().anyMatch(rule.identities()::contains));
  }
}
