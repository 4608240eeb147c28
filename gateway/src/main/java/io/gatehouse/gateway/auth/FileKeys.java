package io.gatehouse.gateway.auth;

import com.nimbusds.jose.jwk.JWKSet;
import io.gatehouse.routes.auth.JwtProvider;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;

/**
 * Keys read from a JWKS file, watched like a certificate: {@link #reload} (on the config writer,
 * when the file changed) swaps them in one volatile write.
 */
final class FileKeys implements KeySource {
  private final String provider;
  private final Path path;
  private volatile JWKSet keys;

  FileKeys(JwtProvider provider) {
    this.provider = provider.name();
    this.path = Path.of(((JwtProvider.Jwks.File) provider.jwks()).path());
    this.keys = read();
  }

  @Override public Future<JWKSet> keysFor(String kid) {
    return Future.succeededFuture(keys);
  }

  /** Reads the file again; whether the keys changed. Throws if it is unreadable or not a key set (the old keys stay). */
  boolean reload() {
    JWKSet next = read();
    boolean changed = !next.toJSONObject().equals(keys.toJSONObject());
    keys = next;
    return changed;
  }

  private JWKSet read() {
    try {
      return KeySource.parse(Files.readString(path, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("authentication provider " + provider + ": reading JWKS file " + path, e);
    } catch (ParseException e) {
      throw new IllegalArgumentException("authentication provider " + provider + ": " + path + " is not a JWKS document: "
          + e.getMessage());
    }
  }
}
