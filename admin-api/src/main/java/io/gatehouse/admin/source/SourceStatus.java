package io.gatehouse.admin.source;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How one config source is doing, as {@code GET /sync} lists it.
 *
 * @param name the source's name, as provenance shows it ({@code file:/etc/gatehouse}, {@code http:https://cp/config})
 * @param kind {@code file}, {@code admin}, {@code http}, {@code kubernetes}, …
 * @param lastVersion what the source last delivered and the store accepted: an ETag, a resource version,
 *     a config version; empty before the first
 * @param lastSuccess when the source last fetched or delivered successfully (a 304 counts)
 * @param lastError the last failure (fetch or validation) since then, empty once it succeeds again
 * @param warnings things that work but deserve a look (objects shadowed by a stronger source, backing off)
 */
public record SourceStatus(String name, String kind, String lastVersion, Optional<Instant> lastSuccess,
                           Optional<String> lastError, List<String> warnings) {
  public SourceStatus {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(lastVersion, "lastVersion");
    Objects.requireNonNull(lastSuccess, "lastSuccess");
    Objects.requireNonNull(lastError, "lastError");
    warnings = List.copyOf(warnings);
  }
}
