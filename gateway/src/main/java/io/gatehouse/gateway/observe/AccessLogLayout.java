package io.gatehouse.gateway.observe;

import com.fasterxml.jackson.core.JsonGenerator;
import io.gatehouse.routes.AccessLogFormat;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@link AccessLogFormat} compiled once per config: the JSON fields in order, or the text
 * template cut into literal parts and fields. Runs on the access log's writer thread.
 */
final class AccessLogLayout {
  private static final Pattern PLACEHOLDER = Pattern.compile("%([^%\\s]+)%");
  /** JSON fields left out when empty, rather than written as "". */
  private static final List<String> OPTIONAL = List.of("failure", "traceId", "spanId", "policy");

  static final AccessLogLayout DEFAULT = compile(AccessLogFormat.DEFAULT);

  private final AccessLogFormat format;
  /** JSON: the fields; TEXT: the fields between {@link #literals}. */
  private final String[] fields;
  private final String[] literals;

  private AccessLogLayout(AccessLogFormat format, String[] fields, String[] literals) {
    this.format = format;
    this.fields = fields;
    this.literals = literals;
  }

  static AccessLogLayout compile(AccessLogFormat format) {
    if (format.encoding() == AccessLogFormat.Encoding.JSON) {
      return new AccessLogLayout(format, format.fields().toArray(String[]::new), new String[0]);
    }
    List<String> fields = new ArrayList<>();
    List<String> literals = new ArrayList<>();
    Matcher m = PLACEHOLDER.matcher(format.text());
    int at = 0;
    while (m.find()) {
      String field = AccessLogFormat.FIELDS.contains(m.group(1)) ? m.group(1) : AccessLogFormat.ENVOY_OPERATORS.get(m.group(1));
      if (field == null) {
        continue; // the loader rejects unknown placeholders; keep such text as written
      }
      literals.add(format.text().substring(at, m.start()));
      fields.add(field);
      at = m.end();
    }
    literals.add(format.text().substring(at));
    return new AccessLogLayout(format, fields.toArray(String[]::new), literals.toArray(String[]::new));
  }

  AccessLogFormat format() {
    return format;
  }

  boolean json() {
    return format.encoding() == AccessLogFormat.Encoding.JSON;
  }

  void writeJson(JsonGenerator gen, AccessLog.Entry e) throws IOException {
    gen.writeStartObject();
    for (String field : fields) {
      Object value = value(field, e);
      if (value instanceof Number n) {
        gen.writeNumberField(field, n.longValue());
      } else if (!(OPTIONAL.contains(field) && value.toString().isEmpty())) {
        gen.writeStringField(field, value.toString());
      }
    }
    gen.writeEndObject();
  }

  void writeText(StringBuilder out, AccessLog.Entry e) {
    for (int i = 0; i < fields.length; i++) {
      out.append(literals[i]);
      String value = value(fields[i], e).toString();
      out.append(value.isEmpty() ? "-" : value);
    }
    out.append(literals[fields.length]);
  }

  private static Object value(String field, AccessLog.Entry e) {
    return switch (field) {
      case "time" -> Instant.ofEpochMilli(e.startMillis()).toString();
      case "type" -> "access";
      case "requestId" -> e.requestId();
      case "traceId" -> e.traceId();
      case "spanId" -> e.spanId();
      case "client" -> e.client();
      case "listener" -> e.listener();
      case "host" -> e.host();
      case "method" -> e.method();
      case "path" -> e.path();
      case "protocol" -> e.protocol();
      case "route" -> e.route();
      case "upstream" -> e.upstream();
      case "endpoint" -> e.endpoint();
      case "status" -> e.status();
      case "responseFlags" -> e.responseFlags();
      case "bytesIn" -> e.bytesIn();
      case "bytesOut" -> e.bytesOut();
      case "durationMicros" -> e.durationMicros();
      case "durationMillis" -> e.durationMicros() / 1000;
      case "attempts" -> e.attempts();
      case "failure" -> e.failure();
      case "policy" -> e.policy();
      default -> throw new IllegalArgumentException("access log field " + field + " is not known");
    };
  }
}
