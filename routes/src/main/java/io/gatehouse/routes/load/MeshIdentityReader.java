package io.gatehouse.routes.load;

import io.gatehouse.routes.MeshIdentity;
import io.gatehouse.routes.Upstream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code meshIdentity}: the CA address ({@code HOST:PORT}), a trust domain and names that
 * fit a SPIFFE id, a lifetime of at least a second, and plaintext only to a loopback CA. The
 * default root file and token file are the pod's mounts, checked when the identity starts (not
 * here: a laptop validating a cluster's config has neither); a file named explicitly must exist.
 */
final class MeshIdentityReader {
  private static final Set<String> KEYS = Set.of("trustDomain", "namespace", "serviceAccount", "caAddress", "caCert",
      "rootCertSource", "tokenFile", "clusterId", "keyType", "lifetime", "stateDir", "plaintext");

  private final Problems problems;

  MeshIdentityReader(Problems problems) {
    this.problems = problems;
  }

  MeshIdentity read(Located located) {
    Optional<Fields> read = Fields.of(located.node(), "meshIdentity", problems, KEYS);
    if (read.isEmpty()) {
      return MeshIdentity.NONE;
    }
    Fields f = read.get();
    MeshIdentity d = MeshIdentity.NONE;
    String trustDomain = f.string("trustDomain", d.trustDomain());
    if (!Values.isHostName(trustDomain.toLowerCase(java.util.Locale.ROOT))) {
      problems.add(f.origin("trustDomain"), "meshIdentity.trustDomain: " + Fields.quote(trustDomain)
          + " is not a trust domain (expected a DNS-like name, e.g. cluster.local)");
    }
    String namespace = name(f, "namespace");
    String serviceAccount = name(f, "serviceAccount");
    String caAddress = f.string("caAddress", d.caAddress());
    Optional<Upstream.Endpoint> ca = Values.endpoint(caAddress);
    if (ca.isEmpty()) {
      problems.add(f.origin("caAddress"), "meshIdentity.caAddress: " + Fields.quote(caAddress)
          + " is not HOST:PORT (e.g. " + MeshIdentity.DEFAULT_CA_ADDRESS + ")");
    }
    boolean plaintext = f.bool("plaintext", false);
    if (plaintext && ca.isPresent() && !ConfigReader.isLoopback(ca.get().host())) {
      problems.add(f.origin("plaintext"), "meshIdentity.plaintext: only to a CA on loopback (127.0.0.1, ::1, localhost);"
          + " " + caAddress + " is reached with TLS verified against caCert");
    }
    String caCert = f.has("caCert") ? FileRefs.existing(f, "caCert", f.string("caCert", ""), located.baseDir())
        : d.caCert();
    String tokenFile = f.has("tokenFile") ? FileRefs.absolute(f.string("tokenFile", ""), located.baseDir())
        : d.tokenFile();
    MeshIdentity.RootSource roots = f.enumValue("rootCertSource", MeshIdentity.RootSource.class, d.rootCertSource());
    MeshIdentity.KeyType keyType = f.enumValue("keyType", MeshIdentity.KeyType.class, d.keyType());
    Duration lifetime = f.duration("lifetime", d.lifetime());
    if (lifetime.compareTo(Duration.ofSeconds(1)) < 0) {
      problems.add(f.origin("lifetime"), "meshIdentity.lifetime: " + lifetime.toMillis() + "ms is too short (expected >= 1s)");
    }
    String stateDir = f.has("stateDir") ? FileRefs.absolute(f.string("stateDir", ""), located.baseDir()) : "";
    String clusterId = f.string("clusterId", d.clusterId());
    return new MeshIdentity(true, trustDomain, namespace, serviceAccount, caAddress, caCert, roots, tokenFile,
        clusterId, keyType, lifetime, stateDir, plaintext);
  }

  /** A namespace or service account: a DNS label (Kubernetes' own rule for both), or empty for the pod's. */
  private String name(Fields f, String key) {
    String value = f.string(key, "");
    if (!value.isEmpty() && !value.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
      problems.add(f.origin(key), "meshIdentity." + key + ": " + Fields.quote(value)
          + " is not a Kubernetes name (lowercase letters, digits, '-' and '.')");
    }
    return value;
  }

  /** A listener with {@code meshClients} needs the mesh root of an identity. */
  static void checkListeners(MeshIdentity identity, List<io.gatehouse.routes.Listener> listeners, List<Located> written,
                             Problems problems) {
    if (identity.enabled()) {
      return;
    }
    for (int i = 0; i < listeners.size() && i < written.size(); i++) {
      if (listeners.get(i).tls().meshClients()) {
        problems.add(written.get(i).node().origin(), "listener " + Fields.quote(listeners.get(i).name())
            + ": tls.meshClients needs the gateway's workload identity (add a meshIdentity block)");
      }
    }
  }

  /** Every {@code mode: MESH} upstream needs the identity it presents. */
  static void checkUpstreams(MeshIdentity identity, List<Upstream> upstreams, List<Located> written, Problems problems) {
    if (identity.enabled()) {
      return;
    }
    for (int i = 0; i < upstreams.size() && i < written.size(); i++) {
      if (upstreams.get(i).tls().mesh()) {
        problems.add(written.get(i).node().origin(), "upstream " + Fields.quote(upstreams.get(i).name())
            + ": tls mode MESH needs the gateway's workload identity (add a meshIdentity block)");
      }
    }
  }
}
