package io.gatehouse.admin;

import io.gatehouse.admin.source.SourceStatus;
import io.gatehouse.certs.CertificateInfo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** JSON shapes of the admin API that are not config: source status, certificate metadata. */
final class Json {
  private Json() {}

  static JsonObject sync(List<SourceStatus> statuses) {
    JsonArray sources = new JsonArray();
    for (SourceStatus s : statuses) {
      sources.add(new JsonObject().put("name", s.name()).put("kind", s.kind()).put("lastVersion", s.lastVersion())
          .put("lastSuccess", s.lastSuccess().map(Object::toString).orElse(null))
          .put("lastError", s.lastError().orElse(null))
          .put("warnings", new JsonArray(s.warnings())));
    }
    return new JsonObject().put("sources", sources);
  }

  /** What a certificate may show: never a key, only the leaf's public facts. */
  static JsonObject certificate(CertificateInfo info) {
    return new JsonObject().put("file", info.file()).put("subject", info.subject())
        .put("dnsNames", new JsonArray(info.dnsNames())).put("notAfter", info.notAfter().toString())
        .put("sha256Fingerprint", info.sha256Fingerprint());
  }
}
