package io.gatehouse.routes;

import java.util.List;

/** What a route does with a request it matched: exactly one of "backends", "redirect", "directResponse". */
public sealed interface Action {

  /** Proxy to one of the backends, chosen by weight. */
  record Forward(List<Backend> backends) implements Action {
    public Forward {
      backends = List.copyOf(backends);
    }
  }

  /**
   * Answer with a redirect. Empty {@code scheme}, {@code host} or {@code path} and a zero
   * {@code port} keep the request's own.
   */
  record Redirect(String scheme, String host, int port, String path, int status) implements Action {}

  /** Answer directly with a fixed status and body. */
  record DirectResponse(int status, String body) implements Action {}

  /** An upstream and its share of the route's traffic. */
  record Backend(String upstream, int weight) {}
}
