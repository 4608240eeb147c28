package io.gatehouse.gateway.upstream;

/**
 * One try of a request on one endpoint, from admission by the circuit breaker to its end. It
 * holds the breaker's slots and the endpoint's in-flight count, reports its outcome to outlier
 * detection, and releases everything once on {@link #end()}. Used on one event loop.
 */
public final class Attempt {
  private final EndpointState endpoint;
  private final Breaker breaker;
  private final OutlierDetector outliers;
  private final boolean retry;
  private boolean pending = true;
  private boolean ended;

  Attempt(EndpointState endpoint, Breaker breaker, OutlierDetector outliers, boolean retry) {
    this.endpoint = endpoint;
    this.breaker = breaker;
    this.outliers = outliers;
    this.retry = retry;
    endpoint.started();
  }

  public EndpointState endpoint() {
    return endpoint;
  }

  /** The try has a connection (or failed to get one): it no longer counts as pending. */
  void connected() {
    if (pending) {
      pending = false;
      breaker.pending.decrementAndGet();
    }
  }

  /** The response head arrived: a 5xx counts toward ejection, anything else ends the streak. */
  public void responded(int status) {
    if (status >= 500) {
      outliers.failed(endpoint);
    } else {
      outliers.succeeded(endpoint);
    }
  }

  /** The try failed without an answer: connect failure, reset, per-try timeout. */
  public void failed() {
    outliers.failed(endpoint);
  }

  /** Releases the try's slots; later calls do nothing. */
  public void end() {
    if (ended) {
      return;
    }
    ended = true;
    connected();
    endpoint.finished();
    breaker.requests.decrementAndGet();
    if (retry) {
      breaker.retries.decrementAndGet();
    }
  }
}
