package io.gatehouse.perf.jmh;

import io.gatehouse.routes.Egress;
import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.egress.Client;
import io.gatehouse.routes.egress.Verdict;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A synthetic {@code egress} allow-list of {@code entries} entries and requests that hit it. Entry
 * n is, by the mix: an exact host ({@code api-17.partner17.example}), a wildcard domain
 * ({@code *.t17.saas.test}, requested as {@code api.t17.saas.test} or {@code a.b.t17.saas.test}),
 * or a CIDR {@code /24} (requested as an IP literal in it; every 8th one in the private
 * {@code 10/8} range, which only that entry opens, so the address check walks the CIDR entries a
 * second time). Ports vary by entry ({@code [443]}, {@code [80, 443]}, {@code [8443]},
 * {@code [443, 8080, 9090]}); every 10th entry admits only clients in {@code 10.1.0.0/16} and every
 * 50th only the {@code checkout} certificate identity. One request in 16 is denied, in turn for an
 * unlisted destination, a port the entry does not name, and a client outside the entry's sources.
 * Names resolve to a public address, as DNS would answer them.
 */
record EgressFixture(Egress egress, List<Request> requests) {
  static final String CHECKOUT = "spiffe://cluster.local/ns/shop/sa/checkout";
  /** The client that every entry admits (it is in the sources and has the identity). */
  static final Client INSIDE = new Client(ip("10.1.2.3"), List.of(CHECKOUT));
  /** A client outside every entry's sources and without identities. */
  static final Client OUTSIDE = Client.of(ip("10.9.9.9"));
  /** What a name resolves to: a public address outside every denied range. */
  private static final InetAddress RESOLVED = ip("198.51.100.7");

  /** How destinations are spread over the entries. */
  enum Mix { EXACT, WILDCARD, CIDR, MIXED }

  /**
   * A request as the gateway gets it: the raw host (before normalisation), the port, the client,
   * the address the name resolved to (the literal itself for an IP), and the expected verdict and rule.
   */
  record Request(String host, int port, Client client, InetAddress resolved, Verdict expected, String rule) {}

  private static final List<List<Integer>> PORTS =
      List.of(List.of(443), List.of(80, 443), List.of(8443), List.of(443, 8080, 9090));

  static EgressFixture build(Mix mix, int entries, int requestCount, long seed) {
    List<EgressRule> allow = new ArrayList<>(entries);
    for (int n = 0; n < entries; n++) {
      List<String> sources = n % 10 == 0 ? List.of("10.1.0.0/16") : List.of();
      List<String> identities = n % 50 == 0 ? List.of(CHECKOUT) : List.of();
      allow.add(new EgressRule(name(n), destination(kind(mix, n), n), ports(n), sources, identities, false, ""));
    }
    Random random = new Random(seed);
    List<Request> requests = new ArrayList<>(requestCount);
    for (int i = 0; i < requestCount; i++) {
      int n = random.nextInt(entries);
      Mix kind = kind(mix, n);
      List<Integer> ports = ports(n);
      int port = ports.get(random.nextInt(ports.size()));
      boolean denied = i % 16 == 0;
      int why = (i / 16) % 3;
      if (denied && why == 0) {
        String host = unlisted(kind, n, random);
        requests.add(new Request(host, port, INSIDE, resolved(kind, host), Verdict.HOST_NOT_ALLOWED, ""));
      } else if (denied && why == 1) {
        String host = host(kind, n, random);
        requests.add(new Request(host, 22, INSIDE, resolved(kind, host), Verdict.PORT_NOT_ALLOWED, name(n)));
      } else if (denied) {
        int restricted = n - n % 10; // an entry with sources
        Mix restrictedKind = kind(mix, restricted);
        String host = host(restrictedKind, restricted, random);
        requests.add(new Request(host, ports(restricted).get(0), OUTSIDE, resolved(restrictedKind, host),
            Verdict.SOURCE_NOT_ALLOWED, name(restricted)));
      } else {
        String host = host(kind, n, random);
        requests.add(new Request(host, port, INSIDE, resolved(kind, host), Verdict.ALLOWED, name(n)));
      }
    }
    return new EgressFixture(new Egress(Egress.Mode.REGISTRY_ONLY, allow), List.copyOf(requests));
  }

  /** A destination of the kind that no entry names: another host of the partner, a wildcard's apex, another network. */
  private static String unlisted(Mix kind, int n, Random random) {
    return switch (kind) {
      case EXACT -> "www-" + n + ".partner" + n + ".example";
      case WILDCARD -> "t" + n + ".saas.test";
      default -> "30.0." + (n % 256) + "." + (1 + random.nextInt(254));
    };
  }

  private static String host(Mix kind, int n, Random random) {
    return switch (kind) {
      case EXACT -> random.nextInt(8) == 0 ? ("API-" + n + ".Partner" + n + ".example.").toUpperCase(Locale.ROOT)
          : "api-" + n + ".partner" + n + ".example";
      case WILDCARD -> (random.nextBoolean() ? "api." : "a.b.") + "t" + n + ".saas.test";
      default -> octets(n) + (1 + random.nextInt(254));
    };
  }

  /** What the gateway connects to: the IP literal itself, or what the name resolved to. */
  private static InetAddress resolved(Mix kind, String host) {
    return kind == Mix.CIDR ? ip(host) : RESOLVED;
  }

  private static EgressRule.Destination destination(Mix kind, int n) {
    return switch (kind) {
      case EXACT -> new EgressRule.Destination.Host("api-" + n + ".partner" + n + ".example");
      case WILDCARD -> new EgressRule.Destination.Host("*.t" + n + ".saas.test");
      default -> new EgressRule.Destination.Cidr(octets(n) + "0/24");
    };
  }

  /** The first three octets of entry n's network and a dot: 20.x.y. (public) or 10.x.y. (private, every 8th). */
  private static String octets(int n) {
    return (n % 8 == 7 ? "10." : "20.") + (n / 256) + "." + (n % 256) + ".";
  }

  private static String name(int n) {
    return "e" + n;
  }

  private static List<Integer> ports(int n) {
    return PORTS.get(n % PORTS.size());
  }

  private static Mix kind(Mix mix, int entry) {
    return mix == Mix.MIXED ? List.of(Mix.EXACT, Mix.WILDCARD, Mix.CIDR).get(entry % 3) : mix;
  }

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }
}
