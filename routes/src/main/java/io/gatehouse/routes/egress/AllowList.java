package io.gatehouse.routes.egress;

import io.gatehouse.routes.Egress;
import io.gatehouse.routes.EgressRule;
import io.gatehouse.routes.table.HostIndex;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@code egress} block compiled for lookup, laid out like the route table: exact hosts in a
 * hash map, {@code *.domain} wildcards by suffix (only suffix lengths that exist are probed, longest
 * first), CIDR entries by prefix length and network ({@link CidrEntries}: a binary search per prefix
 * length present, the first declared entry wins). A destination passes in two steps: {@link #check} the
 * normalised host, port and client against the entries, then {@link #checkAddress} every address
 * the name resolved to (or the IP literal) against the denied ranges, which only a CIDR entry
 * can open. {@code ALLOW_ANY} skips the first step's entry lookup but never the second.
 */
public final class AllowList {
  /** The rule name decisions carry when {@code ALLOW_ANY} allowed a destination no entry names. */
  public static final String ALLOW_ANY = "ALLOW_ANY";

  /** One entry compiled: {@code order} is its position among the entries as declared. */
  record Entry(EgressRule rule, Cidr destination, List<Cidr> sources, int order, Decision decision) {
    Entry(EgressRule rule, Cidr destination, List<Cidr> sources, int order) {
      this(rule, destination, sources, order,
          new Decision(Verdict.ALLOWED, rule.name(), rule.originateTls(), rule.caCert()));
    }

    boolean admits(int port) {
      return rule.ports().contains(port);
    }

    /** Whether the client is in one of the sources (if any) and has one of the identities (if any). */
    boolean fromSource(Client client) {
      return inSources(client.address()) && (rule.identities().isEmpty()
          || client.identities().stream().anyMatch(rule.identities()::contains));
    }

    private boolean inSources(InetAddress address) {
      if (sources.isEmpty()) {
        return true;
      }
      for (Cidr source : sources) {
        if (source.contains(address)) {
          return true;
        }
      }
      return false;
    }
  }

  private static final Entry[] NONE = new Entry[0];
  private static final Decision ANY = new Decision(Verdict.ALLOWED, ALLOW_ANY, false, "");

  private final Egress config;
  private final HostIndex<Entry[]> exact;
  private final HostIndex<Entry[]> wildcards;
  private final int[] suffixLengths;
  private final CidrEntries cidrs;

  private AllowList(Egress config, HostIndex<Entry[]> exact, HostIndex<Entry[]> wildcards, int[] suffixLengths,
                    CidrEntries cidrs) {
    this.config = config;
    this.exact = exact;
    this.wildcards = wildcards;
    this.suffixLengths = suffixLengths;
    this.cidrs = cidrs;
  }

  /** Compiles a validated {@code egress} block (CIDRs and hosts are known to parse). */
  public static AllowList compile(Egress egress) {
    Map<String, List<Entry>> exact = new HashMap<>();
    Map<String, List<Entry>> wild = new HashMap<>();
    List<Entry> cidrs = new ArrayList<>();
    int order = 0;
    for (EgressRule rule : egress.allow()) {
      List<Cidr> sources = rule.sources().stream().map(Cidr::parse).toList();
      if (rule.destination() instanceof EgressRule.Destination.Cidr c) {
        cidrs.add(new Entry(rule, Cidr.parse(c.cidr()), sources, order));
      } else if (rule.destination() instanceof EgressRule.Destination.Host h) {
        Entry entry = new Entry(rule, null, sources, order);
        if (h.pattern().startsWith("*.")) {
          wild.computeIfAbsent(h.pattern().substring(2), k -> new ArrayList<>()).add(entry);
        } else {
          exact.computeIfAbsent(h.pattern(), k -> new ArrayList<>()).add(entry);
        }
      }
      order++;
    }
    TreeSet<Integer> lengths = new TreeSet<>((a, b) -> b - a);
    wild.keySet().forEach(k -> lengths.add(k.length()));
    return new AllowList(egress, freeze(exact), freeze(wild), lengths.stream().mapToInt(Integer::intValue).toArray(),
        CidrEntries.of(cidrs));
  }

  private static HostIndex<Entry[]> freeze(Map<String, List<Entry>> in) {
    Map<String, Entry[]> out = new HashMap<>();
    in.forEach((k, v) -> out.put(k, v.toArray(NONE)));
    return new HostIndex<>(out);
  }

  public Egress config() {
    return config;
  }

  /**
   * Whether {@code client} may reach {@code target} on {@code port} by the entries: exact host first,
   * then wildcards longest suffix first ({@code *.example.com} takes {@code a.b.example.com}, never
   * {@code example.com} or {@code evilexample.com}); an IP literal by the CIDR entries. The first
   * entry (in declared order) that takes port and client wins. An allowed lookup allocates nothing
   * but, for an IP literal, the copy of its address bytes.
   */
  public Decision check(Target target, int port, Client client) {
    if (target instanceof Target.Invalid) {
      return Decision.denied(Verdict.INVALID_HOST, "");
    }
    Entry allowed = null;
    if (target instanceof Target.Name n) {
      String name = n.name();
      allowed = first(exact.get(name, 0, name.length()), port, client);
      for (int i = 0; allowed == null && i < suffixLengths.length; i++) {
        allowed = first(wildcard(name, suffixLengths[i]), port, client);
      }
    } else if (target instanceof Target.Address a) {
      allowed = cidrs.first(a.address().getAddress(), port, client);
    }
    if (allowed != null) {
      return allowed.decision();
    }
    if (config.mode() == Egress.Mode.ALLOW_ANY) {
      return ANY;
    }
    return why(target, port, client);
  }

  /** The wildcard entries for {@code name}'s suffix of {@code length} ("example.com" for "*.example.com"), or null. */
  private Entry[] wildcard(String name, int length) {
    // The name must have a label and a dot before the suffix.
    int start = name.length() - length;
    return start >= 2 && name.charAt(start - 1) == '.' ? wildcards.get(name, start, name.length()) : null;
  }

  private static Entry first(Entry[] group, int port, Client client) {
    if (group != null) {
      for (Entry e : group) {
        if (e.admits(port) && e.fromSource(client)) {
          return e;
        }
      }
    }
    return null;
  }

  /** Why nothing allowed it: a named entry on another port or for other clients, else an unlisted host. */
  private Decision why(Target target, int port, Client client) {
    List<Entry> named = new ArrayList<>();
    if (target instanceof Target.Name n) {
      add(named, exact.get(n.name(), 0, n.name().length()));
      for (int length : suffixLengths) {
        add(named, wildcard(n.name(), length));
      }
    } else if (target instanceof Target.Address a) {
      named.addAll(cidrs.containing(a.address().getAddress()));
    }
    for (Entry e : named) {
      if (e.admits(port)) {
        return Decision.denied(Verdict.SOURCE_NOT_ALLOWED, e.rule().name());
      }
    }
    return named.isEmpty() ? Decision.denied(Verdict.HOST_NOT_ALLOWED, "")
        : Decision.denied(Verdict.PORT_NOT_ALLOWED, named.get(0).rule().name());
  }

  private static void add(List<Entry> to, Entry[] group) {
    if (group != null) {
      to.addAll(List.of(group));
    }
  }

  /**
   * Whether the gateway may connect to {@code address} (resolved, or the literal itself) on
   * {@code port} for {@code client}: yes unless it is in a denied range; in a denied range only if a
   * CIDR entry covering it takes port and client. Returns {@code allowed} itself when it passes.
   */
  public Decision checkAddress(Decision allowed, InetAddress address, int port, Client client) {
    byte[] bytes = address.getAddress();
    Cidr denied = DeniedRanges.of(bytes);
    if (denied == null || cidrs.first(bytes, port, client) != null) {
      return allowed;
    }
    return Decision.denied(Verdict.ADDRESS_DENIED, denied.text());
  }
}
