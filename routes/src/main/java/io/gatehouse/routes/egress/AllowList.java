package io.gatehouse.routes.egress;

import io.gatehouse.routes.Egress;
import io.gatehouse.routes.EgressRule;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@code egress} block compiled for lookup, laid out like the route table: exact hosts in a
 * hash map, {@code *.domain} wildcards by suffix (only suffix lengths that exist are probed, longest
 * first), CIDR entries in declared order. A destination passes in two steps: {@link #check} the
 * normalised host, port and client against the entries, then {@link #checkAddress} every address
 * the name resolved to (or the IP literal) against the denied ranges, which only a CIDR entry
 * can open. {@code ALLOW_ANY} skips the first step's entry lookup but never the second.
 */
public final class AllowList {
  /** The rule name decisions carry when {@code ALLOW_ANY} allowed a destination no entry names. */
  public static final String ALLOW_ANY = "ALLOW_ANY";

  private record Entry(EgressRule rule, Cidr destination, List<Cidr> sources) {
    boolean admits(int port) {
      return rule.ports().contains(port);
    }

    boolean fromSource(InetAddress client) {
      if (sources.isEmpty()) {
        return true;
      }
      for (Cidr source : sources) {
        if (source.contains(client)) {
          return true;
        }
      }
      return false;
    }
  }

  private static final Entry[] NONE = new Entry[0];

  private final Egress config;
  private final Map<String, Entry[]> exact;
  private final Map<String, Entry[]> wildcards;
  private final int[] suffixLengths;
  private final Entry[] cidrs;

  private AllowList(Egress config, Map<String, Entry[]> exact, Map<String, Entry[]> wildcards, int[] suffixLengths,
                    Entry[] cidrs) {
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
    for (EgressRule rule : egress.allow()) {
      List<Cidr> sources = rule.sources().stream().map(Cidr::parse).toList();
      if (rule.destination() instanceof EgressRule.Destination.Cidr c) {
        cidrs.add(new Entry(rule, Cidr.parse(c.cidr()), sources));
      } else if (rule.destination() instanceof EgressRule.Destination.Host h) {
        Entry entry = new Entry(rule, null, sources);
        if (h.pattern().startsWith("*.")) {
          wild.computeIfAbsent(h.pattern().substring(2), k -> new ArrayList<>()).add(entry);
        } else {
          exact.computeIfAbsent(h.pattern(), k -> new ArrayList<>()).add(entry);
        }
      }
    }
    TreeSet<Integer> lengths = new TreeSet<>((a, b) -> b - a);
    wild.keySet().forEach(k -> lengths.add(k.length()));
    return new AllowList(egress, freeze(exact), freeze(wild), lengths.stream().mapToInt(Integer::intValue).toArray(),
        cidrs.toArray(NONE));
  }

  private static Map<String, Entry[]> freeze(Map<String, List<Entry>> in) {
    Map<String, Entry[]> out = new HashMap<>();
    in.forEach((k, v) -> out.put(k, v.toArray(NONE)));
    return out;
  }

  public Egress config() {
    return config;
  }

  /**
   * Whether {@code client} may reach {@code target} on {@code port} by the entries: exact host first,
   * then wildcards longest suffix first ({@code *.example.com} takes {@code a.b.example.com}, never
   * {@code example.com} or {@code evilexample.com}); an IP literal by the CIDR entries. The first
   * entry that takes port and client wins.
   */
  public Decision check(Target target, int port, InetAddress client) {
    if (target instanceof Target.Invalid) {
      return Decision.denied(Verdict.INVALID_HOST, "");
    }
    List<Entry[]> candidates = new ArrayList<>(2);
    if (target instanceof Target.Name n) {
      String name = n.name();
      Entry[] e = exact.get(name);
      if (e != null) {
        candidates.add(e);
      }
      for (int length : suffixLengths) {
        // "*.example.com" stored as "example.com": the name must have a label and a dot before it.
        int start = name.length() - length;
        if (start >= 2 && name.charAt(start - 1) == '.') {
          Entry[] w = wildcards.get(name.substring(start));
          if (w != null) {
            candidates.add(w);
          }
        }
      }
    } else if (target instanceof Target.Address a) {
      List<Entry> covering = new ArrayList<>();
      for (Entry entry : cidrs) {
        if (entry.destination().contains(a.address())) {
          covering.add(entry);
        }
      }
      candidates.add(covering.toArray(NONE));
    }
    return decide(candidates, port, client);
  }

  private Decision decide(List<Entry[]> candidates, int port, InetAddress client) {
    Entry wrongSource = null;
    Entry wrongPort = null;
    for (Entry[] group : candidates) {
      for (Entry entry : group) {
        if (!entry.admits(port)) {
          wrongPort = wrongPort == null ? entry : wrongPort;
        } else if (!entry.fromSource(client)) {
          wrongSource = wrongSource == null ? entry : wrongSource;
        } else {
          EgressRule rule = entry.rule();
          return new Decision(Verdict.ALLOWED, rule.name(), rule.originateTls(), rule.caCert());
        }
      }
    }
    if (config.mode() == Egress.Mode.ALLOW_ANY) {
      return new Decision(Verdict.ALLOWED, ALLOW_ANY, false, "");
    }
    if (wrongSource != null) {
      return Decision.denied(Verdict.SOURCE_NOT_ALLOWED, wrongSource.rule().name());
    }
    if (wrongPort != null) {
      return Decision.denied(Verdict.PORT_NOT_ALLOWED, wrongPort.rule().name());
    }
    return Decision.denied(Verdict.HOST_NOT_ALLOWED, "");
  }

  /**
   * Whether the gateway may connect to {@code address} (resolved, or the literal itself) on
   * {@code port} for {@code client}: yes unless it is in a denied range; in a denied range only if a
   * CIDR entry covering it takes port and client. Returns {@code allowed} itself when it passes.
   */
  public Decision checkAddress(Decision allowed, InetAddress address, int port, InetAddress client) {
    Cidr denied = DeniedRanges.of(address);
    if (denied == null) {
      return allowed;
    }
    for (Entry entry : cidrs) {
      if (entry.destination().contains(address) && entry.admits(port) && entry.fromSource(client)) {
        return allowed;
      }
    }
    return Decision.denied(Verdict.ADDRESS_DENIED, denied.text());
  }
}
