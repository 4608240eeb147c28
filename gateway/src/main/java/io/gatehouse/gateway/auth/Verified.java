package io.gatehouse.gateway.auth;

import java.util.List;
import java.util.Map;

/**
 * A token whose signature, issuer, audience and times were checked: its claims (JSON values as
 * nimbus maps them: String, Number, Boolean, List, Map), the base64url payload as sent, and until
 * when it may be used ({@code Long.MAX_VALUE} without {@code exp}).
 */
public record Verified(String provider, String issuer, String subject, Map<String, Object> claims, String payload,
                long notAfterMillis, long notBeforeMillis) {

  /** {@code iss/sub}: Istio's request principal. */
  public String principal() {
    return issuer + "/" + subject;
  }

  /** The values of the claim at {@code path}: a list claim gives its items, a scalar one its text. */
  public List<String> claim(List<String> path) {
    Object value = claims;
    for (String key : path) {
      if (!(value instanceof Map<?, ?> map)) {
        return List.of();
      }
      value = map.get(key);
    }
    return values(value);
  }

  static List<String> values(Object value) {
    if (value == null || value instanceof Map<?, ?>) {
      return List.of();
    }
    if (value instanceof List<?> list) {
      return list.stream().filter(v -> v != null && !(v instanceof Map<?, ?>) && !(v instanceof List<?>))
          .map(String::valueOf).toList();
    }
    return List.of(String.valueOf(value));
  }
}
