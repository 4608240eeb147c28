package io.gatehouse.routes;

import java.time.Duration;
import java.util.List;

/**
 * One routing rule as written in config: which requests it takes ({@code hosts} and any of
 * {@code match}) and what it does with them. An empty {@code match} list takes every request for
 * its hosts. {@code timeout} of zero means no timeout.
 */
public record Route(String name, List<String> hosts, List<RequestMatch> match, Action action,
                    Rewrite rewrite, HeaderOps headers, Duration timeout, RetryPolicy retries) {
  public Route {
    hosts = List.copyOf(hosts);
    match = List.copyOf(match);
  }
}
