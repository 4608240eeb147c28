package io.gatehouse.routes;

import java.util.List;
import java.util.Map;

/**
 * How each access-log line is written: a JSON object of the chosen {@code fields} in that order,
 * or a line of {@code text} in which {@code %field%} (or one of Envoy's command operators, such as
 * {@code %RESPONSE_CODE%}) stands for a field's value and {@code -} for an empty one.
 */
public record AccessLogFormat(Encoding encoding, List<String> fields, String text) {
  /**
   * The fields a line can carry. {@code failure}, {@code traceId}, {@code spanId} and {@code policy}
   * (the authorization policy that decided) are left out of JSON lines when empty.
   */
  public static final List<String> FIELDS = List.of("time", "type", "requestId", "traceId", "spanId", "client",
      "listener", "host", "method", "path", "protocol", "route", "upstream", "endpoint", "status",
      "responseFlags", "bytesIn", "bytesOut", "durationMicros", "durationMillis", "attempts", "failure", "policy");

  /** Envoy's command operators that name one of {@link #FIELDS}, so that Envoy format strings carry over. */
  public static final Map<String, String> ENVOY_OPERATORS = Map.ofEntries(
      Map.entry("START_TIME", "time"), Map.entry("REQ(X-REQUEST-ID)", "requestId"),
      Map.entry("DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", "client"), Map.entry("REQ(:AUTHORITY)", "host"),
      Map.entry("REQ(:METHOD)", "method"), Map.entry("REQ(X-ENVOY-ORIGINAL-PATH?:PATH)", "path"),
      Map.entry("REQ(:PATH)", "path"), Map.entry("PROTOCOL", "protocol"), Map.entry("ROUTE_NAME", "route"),
      Map.entry("UPSTREAM_CLUSTER", "upstream"), Map.entry("UPSTREAM_HOST", "endpoint"),
      Map.entry("RESPONSE_CODE", "status"), Map.entry("RESPONSE_FLAGS", "responseFlags"),
      Map.entry("BYTES_RECEIVED", "bytesIn"), Map.entry("BYTES_SENT", "bytesOut"), Map.entry("DURATION", "durationMillis"),
      Map.entry("UPSTREAM_REQUEST_ATTEMPT_COUNT", "attempts"), Map.entry("RESPONSE_CODE_DETAILS", "failure"),
      Map.entry("TRACE_ID", "traceId"));

  /** The JSON line written without {@code telemetry.accessLog}: Envoy's default fields, response flags included. */
  public static final AccessLogFormat DEFAULT = new AccessLogFormat(Encoding.JSON, List.of("time", "type", "requestId",
      "traceId", "client", "listener", "host", "method", "path", "protocol", "route", "upstream", "endpoint", "status",
      "responseFlags", "bytesIn", "bytesOut", "durationMicros", "attempts", "failure", "policy"), "");

  public AccessLogFormat {
    fields = List.copyOf(fields);
  }

  public enum Encoding { JSON, TEXT }
}
