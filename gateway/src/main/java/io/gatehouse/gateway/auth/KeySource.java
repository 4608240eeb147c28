package io.gatehouse.gateway.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import io.vertx.core.Future;
import java.text.ParseException;
import java.util.List;

/**
 * A provider's verification keys: fixed (inline or file) or fetched ({@link RemoteKeys}). Only
 * public RSA and EC keys are kept; symmetric and private parts of a document are dropped.
 */
interface KeySource {
  /**
   * The keys to check a token with key id {@code kid} (null when the token names none): the
   * current set, or, when it lacks {@code kid}, the set after a refresh if one is allowed now.
   * Completes on the caller's context.
   */
  Future<JWKSet> keysFor(String kid);

  /** Stops refreshing. */
  default void close() {}

  /** The public RSA and EC keys of a JWKS document; throws {@link ParseException} if it is not one. */
  static JWKSet parse(String json) throws ParseException {
    List<JWK> keys = JWKSet.parse(json).toPublicJWKSet().getKeys().stream()
        .filter(k -> k.getKeyType() == KeyType.RSA || k.getKeyType() == KeyType.EC)
        .toList();
    return new JWKSet(keys);
  }

  static boolean has(JWKSet keys, String kid) {
    return kid == null ? !keys.isEmpty() : keys.getKeyByKeyId(kid) != null;
  }

  /** Keys written in the config or read from a file when the snapshot was compiled. */
  record Fixed(JWKSet keys) implements KeySource {
    @Override public Future<JWKSet> keysFor(String kid) {
      return Future.succeededFuture(keys);
    }
  }
}
