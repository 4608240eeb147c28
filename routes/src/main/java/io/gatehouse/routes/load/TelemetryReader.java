package io.gatehouse.routes.load;

import io.gatehouse.routes.AccessLogFormat;
import io.gatehouse.routes.Telemetry;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads {@code telemetry}: metric families, the reported workload, the access-log format and tracing. */
final class TelemetryReader {
  private static final Set<String> KEYS = Set.of("metrics", "workload", "accessLog", "tracing");
  private static final Set<String> TRACING_KEYS = Set.of("endpoint", "protocol", "sampling", "propagation",
      "serviceName", "maxQueueSize", "exportTimeout");
  /** {@code %name%}: a field or an Envoy operator, such as {@code %REQ(:METHOD)%}. */
  private static final Pattern PLACEHOLDER = Pattern.compile("%([^%\\s]+)%");

  private final Problems problems;

  TelemetryReader(Problems problems) {
    this.problems = problems;
  }

  Telemetry read(Located located) {
    return Fields.of(located.node(), "telemetry", problems, KEYS).map(f -> new Telemetry(
        f.nested("metrics", "telemetry.metrics", Set.of("gatehouse", "istio"))
            .map(m -> new Telemetry.Metrics(m.bool("gatehouse", true), m.bool("istio", true)))
            .orElse(Telemetry.Metrics.DEFAULT),
        f.nested("workload", "telemetry.workload", Set.of("name", "namespace", "principal", "cluster"))
            .map(w -> new Telemetry.Workload(w.string("name", ""), w.string("namespace", ""),
                w.string("principal", ""), w.string("cluster", "")))
            .orElse(Telemetry.Workload.FROM_ENVIRONMENT),
        f.nested("accessLog", "telemetry.accessLog", Set.of("format", "fields", "text")).map(this::accessLog)
            .orElse(AccessLogFormat.DEFAULT),
        f.nested("tracing", "telemetry.tracing", TRACING_KEYS).map(this::tracing).orElse(Telemetry.Tracing.NONE)))
        .orElse(Telemetry.DEFAULT);
  }

  private AccessLogFormat accessLog(Fields f) {
    AccessLogFormat.Encoding encoding = f.enumValue("format", AccessLogFormat.Encoding.class, AccessLogFormat.Encoding.JSON);
    if (encoding == AccessLogFormat.Encoding.TEXT) {
      if (f.has("fields")) {
        problems.add(f.origin("fields"), "telemetry.accessLog: \"fields\" is for format JSON; a TEXT line names its fields in \"text\"");
      }
      String text = f.required("text");
      return new AccessLogFormat(encoding, textFields(f, text), text);
    }
    if (f.has("text")) {
      problems.add(f.origin("text"), "telemetry.accessLog: \"text\" needs format: TEXT");
    }
    if (!f.has("fields")) {
      return AccessLogFormat.DEFAULT;
    }
    List<String> fields = f.strings("fields");
    Set<String> seen = new HashSet<>();
    for (String field : fields) {
      if (!AccessLogFormat.FIELDS.contains(field)) {
        problems.add(f.origin("fields"), "telemetry.accessLog.fields: " + Fields.quote(field)
            + " is not a field (expected some of: " + String.join(", ", AccessLogFormat.FIELDS) + ")");
      } else if (!seen.add(field)) {
        problems.add(f.origin("fields"), "telemetry.accessLog.fields: " + Fields.quote(field) + " is listed twice");
      }
    }
    if (fields.isEmpty()) {
      problems.add(f.origin("fields"), "telemetry.accessLog.fields is empty (list the fields each line should carry)");
    }
    return new AccessLogFormat(encoding, fields, "");
  }

  /** The fields {@code text} names, in order: each {@code %x%} must be a field or a known Envoy operator. */
  private List<String> textFields(Fields f, String text) {
    List<String> out = new ArrayList<>();
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      String name = field(m.group(1));
      if (name == null) {
        problems.add(f.origin("text"), "telemetry.accessLog.text: %" + m.group(1) + "% is not a field (expected %field% with one of: "
            + String.join(", ", AccessLogFormat.FIELDS) + "; or an Envoy operator such as %RESPONSE_CODE%)");
      } else {
        out.add(name);
      }
    }
    return out;
  }

  /** The field a placeholder stands for, or null. */
  static String field(String placeholder) {
    if (AccessLogFormat.FIELDS.contains(placeholder)) {
      return placeholder;
    }
    return AccessLogFormat.ENVOY_OPERATORS.get(placeholder);
  }

  private Telemetry.Tracing tracing(Fields f) {
    Telemetry.Tracing none = Telemetry.Tracing.NONE;
    String endpoint = f.required("endpoint");
    if (!endpoint.isEmpty()) {
      try {
        URI uri = new URI(endpoint);
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
          problems.add(f.origin("endpoint"), "telemetry.tracing.endpoint " + Fields.quote(endpoint)
              + " is not an http(s) URL (expected e.g. http://otel-collector:4317)");
        }
      } catch (java.net.URISyntaxException e) {
        problems.add(f.origin("endpoint"), "telemetry.tracing.endpoint " + Fields.quote(endpoint) + ": " + e.getReason());
      }
    }
    List<Telemetry.Tracing.Propagation> propagation = new ArrayList<>();
    for (String p : f.has("propagation") ? f.strings("propagation") : List.<String>of()) {
      try {
        Telemetry.Tracing.Propagation value = Telemetry.Tracing.Propagation.valueOf(p);
        if (!propagation.contains(value)) {
          propagation.add(value);
        }
      } catch (IllegalArgumentException e) {
        problems.add(f.origin("propagation"), "telemetry.tracing.propagation: " + Fields.quote(p)
            + " (expected some of: W3C, B3, B3_MULTI)");
      }
    }
    if (f.has("propagation") && propagation.isEmpty()) {
      problems.add(f.origin("propagation"), "telemetry.tracing.propagation is empty (expected some of: W3C, B3, B3_MULTI)");
    }
    String service = f.string("serviceName", none.serviceName());
    if (service.isBlank()) {
      problems.add(f.origin("serviceName"), "telemetry.tracing.serviceName is empty");
    }
    return new Telemetry.Tracing(endpoint,
        f.enumValue("protocol", Telemetry.Tracing.Protocol.class, none.protocol()),
        f.decimal("sampling", none.samplingPercent(), 0, 100),
        propagation.isEmpty() ? none.propagation() : propagation,
        service,
        f.integer("maxQueueSize", none.maxQueueSize(), 1, 1_000_000),
        f.duration("exportTimeout", none.exportTimeout()));
  }
}
