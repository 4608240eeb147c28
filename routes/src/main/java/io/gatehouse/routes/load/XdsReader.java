package io.gatehouse.routes.load;

import io.gatehouse.routes.Xds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads {@code xds}: the xDS control planes this gateway takes config from. */
final class XdsReader {
  private static final Set<String> KEYS = Set.of("address", "nodeId", "caCert", "tokenFile");
  /** HOST:PORT, the host a name, an IPv4 address or a bracketed IPv6 one. */
  private static final Pattern ADDRESS = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+):([0-9]{1,5})");

  private final Problems problems;

  XdsReader(Problems problems) {
    this.problems = problems;
  }

  List<Xds> read(List<Located> items) {
    List<Xds> out = new ArrayList<>();
    Map<String, io.gatehouse.routes.Origin> seen = new HashMap<>();
    for (Located item : items) {
      Fields.of(item.node(), "xds source", problems, KEYS).ifPresent(f -> {
        String address = f.required("address");
        if (address == null) {
          return;
        }
        var m = ADDRESS.matcher(address);
        if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
          problems.add(f.origin("address"), "xds source address " + Fields.quote(address)
              + " is not HOST:PORT (e.g. istiod.istio-system.svc:15012)");
          return;
        }
        var previous = seen.putIfAbsent(address, f.origin("address"));
        if (previous != null) {
          problems.add(f.origin("address"), "duplicate xds source " + Fields.quote(address) + " (first defined at " + previous + ")");
        }
        Fields x = f.as("xds source " + address);
        String ca = x.string("caCert", "");
        String token = x.string("tokenFile", "");
        out.add(new Xds(address, x.string("nodeId", ""),
            ca.isEmpty() ? "" : FileRefs.existing(x, "caCert", ca, item.baseDir()),
            token.isEmpty() ? "" : FileRefs.existing(x, "tokenFile", token, item.baseDir())));
      });
    }
    return out;
  }
}
