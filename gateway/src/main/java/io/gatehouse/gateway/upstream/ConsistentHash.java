package io.gatehouse.gateway.upstream;

import io.gatehouse.routes.HashOn;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.util.Arrays;

/**
 * CONSISTENT_HASH endpoint choice: hashes the request's {@code hashOn} key (a header, a cookie or
 * the client address) onto a {@link HashRing} of all the upstream's endpoints, skipping those not
 * available now, so that an endpoint leaving moves only its own keys. A request without the key
 * is balanced at random, as Envoy does.
 */
final class ConsistentHash {
  private final HashOn hashOn;
  private final HashRing ring;
  private final EndpointState[] all;

  ConsistentHash(HashOn hashOn, EndpointState[] all) {
    this.hashOn = hashOn;
    this.all = all;
    this.ring = HashRing.of(Arrays.stream(all).map(EndpointState::label).toList());
  }

  /** The key's endpoint among {@code candidates}, avoiding {@code avoid} when another exists; null without a key. */
  EndpointState pick(HttpServerRequest request, EndpointSet.Candidates candidates, long nowNanos, EndpointState avoid) {
    String key = key(request);
    if (key == null) {
      return null;
    }
    long hash = HashRing.hash(key);
    boolean panic = candidates.panic();
    int i = ring.pick(hash, o -> all[o] != avoid && (panic || all[o].available(nowNanos)));
    if (i < 0) {
      i = ring.pick(hash, o -> panic || all[o].available(nowNanos));
    }
    return i < 0 ? null : all[i];
  }

  private String key(HttpServerRequest request) {
    if (hashOn instanceof HashOn.Header header) {
      return request.getHeader(header.name());
    }
    if (hashOn instanceof HashOn.Cookie cookie) {
      Cookie c = request.getCookie(cookie.name());
      return c == null ? null : c.getValue();
    }
    if (hashOn instanceof HashOn.Client) {
      SocketAddress client = request.remoteAddress();
      return client == null ? null : client.hostAddress();
    }
    return null;
  }
}
