package io.gatehouse.gateway.observe;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.gatehouse.routes.AccessLogFormat;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@link AccessLogFormat} compiled once per config: the JSON fields in order (each a code and
 * its pre-encoded name), or the text template cut into literal parts and fields. Each thread that
 * writes access log lines compiles its own and is the only one to run it, which is why it may keep
 * the formatted time of the last second.
 * Writing a line boxes nothing and makes no string but the ones Jackson needs: values go straight
 * into the generator (2.5 KB of garbage per line before, most of it {@code Instant.toString}).
 */
final class AccessLogLayout {
  private static final Pattern PLACEHOLDER = Pattern.compile("%([^%\\s]+)%");

  private final AccessLogFormat format;
  /** JSON: the fields; TEXT: the fields between {@link #literals}. */
  private final Field[] fields;
  private final SerializedString[] names;
  private final String[] literals;
  /** The epoch second {@link #time} starts with, and its ISO-8601 text without the zone ({@code 2026-12-02T10:21:19}). */
  private long second = Long.MIN_VALUE;
  private final char[] time = new char[40];
  private int secondLength;

  private AccessLogLayout(AccessLogFormat format, List<String> fields, String[] literals) {
    this.format = format;
    this.fields = fields.stream().map(Field::of).toArray(Field[]::new);
    this.names = fields.stream().map(SerializedString::new).toArray(SerializedString[]::new);
    this.literals = literals;
  }

  static AccessLogLayout compile(AccessLogFormat format) {
    if (format.encoding() == AccessLogFormat.Encoding.JSON) {
      return new AccessLogLayout(format, format.fields(), new String[0]);
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
    return new AccessLogLayout(format, fields, literals.toArray(String[]::new));
  }

  AccessLogFormat format() {
    return format;
  }

  boolean json() {
    return format.encoding() == AccessLogFormat.Encoding.JSON;
  }

  void writeJson(JsonGenerator gen, AccessLog.Entry e) throws IOException {
    gen.writeStartObject();
    for (int i = 0; i < fields.length; i++) {
      Field field = fields[i];
      if (field.numeric) {
        gen.writeFieldName(names[i]);
        gen.writeNumber(number(field, e));
      } else if (field == Field.TIME) {
        gen.writeFieldName(names[i]);
        gen.writeString(time, 0, time(e.startMillis()));
      } else {
        String value = text(field, e);
        if (!(field.optional && value.isEmpty())) {
          gen.writeFieldName(names[i]);
          gen.writeString(value);
        }
      }
    }
    gen.writeEndObject();
  }

  void writeText(StringBuilder out, AccessLog.Entry e) {
    for (int i = 0; i < fields.length; i++) {
      out.append(literals[i]);
      Field field = fields[i];
      if (field.numeric) {
        out.append(number(field, e));
      } else if (field == Field.TIME) {
        out.append(time, 0, time(e.startMillis()));
      } else {
        String value = text(field, e);
        out.append(value.isEmpty() ? "-" : value);
      }
    }
    out.append(literals[fields.length]);
  }

  /**
   * Writes {@code Instant.ofEpochMilli(millis).toString()} into {@link #time} and returns its
   * length: the second's text is made once per second, then only the milliseconds change.
   */
  int time(long millis) {
    long s = Math.floorDiv(millis, 1000);
    int ms = (int) Math.floorMod(millis, 1000);
    if (s != second) {
      String text = Instant.ofEpochSecond(s).toString(); // ...THH:MM:SSZ
      secondLength = text.length() - 1;
      text.getChars(0, secondLength, time, 0);
      second = s;
    }
    int n = secondLength;
    if (ms != 0) { // ISO_INSTANT writes no fraction for a whole second, else three digits for milliseconds
      time[n++] = '.';
      time[n++] = (char) ('0' + ms / 100);
      time[n++] = (char) ('0' + ms / 10 % 10);
      time[n++] = (char) ('0' + ms % 10);
    }
    time[n++] = 'Z';
    return n;
  }

  /** The buffer {@link #time(long)} writes into. */
  char[] timeChars() {
    return time;
  }

  private static long number(Field field, AccessLog.Entry e) {
    return switch (field) {
      case STATUS -> e.status();
      case BYTES_IN -> e.bytesIn();
      case BYTES_OUT -> e.bytesOut();
      case DURATION_MICROS -> e.durationMicros();
      case DURATION_MILLIS -> e.durationMicros() / 1000;
      case ATTEMPTS -> e.attempts();
      default -> throw new IllegalArgumentException("access log field " + field + " is not a number");
    };
  }

  private static String text(Field field, AccessLog.Entry e) {
    return switch (field) {
      case TYPE -> "access";
      case REQUEST_ID -> e.requestId();
      case TRACE_ID -> e.traceId();
      case SPAN_ID -> e.spanId();
      case CLIENT -> e.client();
      case LISTENER -> e.listener();
      case HOST -> e.host();
      case METHOD -> e.method();
      case PATH -> e.path();
      case PROTOCOL -> e.protocol();
      case ROUTE -> e.route();
      case UPSTREAM -> e.upstream();
      case ENDPOINT -> e.endpoint();
      case RESPONSE_FLAGS -> e.responseFlags();
      case FAILURE -> e.failure();
      case POLICY -> e.policy();
      default -> throw new IllegalArgumentException("access log field " + field + " is not text");
    };
  }

  /** The fields of {@link AccessLogFormat#FIELDS}: whether each is a number, and whether JSON leaves it out when empty. */
  private enum Field {
    TIME("time"), TYPE("type"), REQUEST_ID("requestId"), TRACE_ID("traceId", false, true), SPAN_ID("spanId", false, true),
    CLIENT("client"), LISTENER("listener"), HOST("host"), METHOD("method"), PATH("path"), PROTOCOL("protocol"),
    ROUTE("route"), UPSTREAM("upstream"), ENDPOINT("endpoint"), STATUS("status", true, false),
    RESPONSE_FLAGS("responseFlags"), BYTES_IN("bytesIn", true, false), BYTES_OUT("bytesOut", true, false),
    DURATION_MICROS("durationMicros", true, false), DURATION_MILLIS("durationMillis", true, false),
    ATTEMPTS("attempts", true, false), FAILURE("failure", false, true), POLICY("policy", false, true);

    private static final Map<String, Field> BY_NAME = new HashMap<>();

    static {
      for (Field f : values()) {
        BY_NAME.put(f.key, f);
      }
    }

    final String key;
    final boolean numeric;
    final boolean optional;

    Field(String key) {
      this(key, false, false);
    }

    Field(String key, boolean numeric, boolean optional) {
      this.key = key;
      this.numeric = numeric;
      this.optional = optional;
    }

    static Field of(String name) {
      Field f = BY_NAME.get(name);
      if (f == null) {
        throw new IllegalArgumentException("access log field " + name + " is not known");
      }
      return f;
    }
  }
}
