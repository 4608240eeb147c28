package io.gatehouse.routes.load;

import io.gatehouse.routes.Origin;
import io.gatehouse.routes.Upstream;
import io.gatehouse.routes.Xds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code xds}: the control planes this gateway takes config from, one entry each, as
 * {@code run --xds} adds them. The address is {@code HOST:PORT} and named once; a CA file named
 * must exist; the token file, a pod's projected token, is read at each connection (a laptop
 * validating a cluster's config has none); {@code plaintext} only to a loopback address.
 */
final class XdsReader {
  private static final Set<String> KEYS = Set.of("address", "nodeId", "caCert", "tokenFile", "plaintext");

  private final Problems problems;

  XdsReader(Problems problems) {
    this.problems = problems;
  }

  List<Xds> read(List<Located> items) {
    List<Xds> out = new ArrayList<>();
    Map<String, Origin> seen = new HashMap<>();
    for (Located item : items) {
      Fields.of(item.node(), "xds", problems, KEYS).ifPresent(f -> {
        String address = f.required("address");
        if (address.isEmpty()) {
          return;
        }
        Optional<Upstream.Endpoint> target = Values.endpoint(address);
        if (target.isEmpty()) {
          problems.add(f.origin("address"), "xds.address: " + Fields.quote(address)
              + " is not HOST:PORT (e.g. istiod.istio-system.svc:15012)");
          return;
        }
        Origin previous = seen.putIfAbsent(address, f.origin("address"));
        if (previous != null) {
          problems.add(f.origin("address"), "xds.address: " + Fields.quote(address) + " is already a source (first defined at "
              + previous + ")");
        }
        boolean plaintext = f.bool("plaintext", false);
        if (plaintext && !ConfigReader.isLoopback(target.get().host())) {
          problems.add(f.origin("plaintext"), "xds.plaintext: only to a control plane on loopback (127.0.0.1, ::1,"
              + " localhost); " + address + " is reached with TLS");
        }
        if (plaintext && f.has("caCert")) {
          problems.add(f.origin("plaintext"), "xds.plaintext: with caCert (a CA is for TLS; remove one of them)");
        }
        String caCert = f.has("caCert") ? FileRefs.existing(f, "caCert", f.string("caCert", ""), item.baseDir()) : "";
        String tokenFile = f.has("tokenFile") ? FileRefs.absolute(f.string("tokenFile", ""), item.baseDir()) : "";
        out.add(new Xds(address, f.string("nodeId", ""), caCert, tokenFile, plaintext));
      });
    }
    return out;
  }
}
