package io.gatehouse.admin;

/**
 * The requests one route sent to one upstream (upstream empty when none was chosen), counted since
 * start: all of them, the 5xx among them, and how many took at most each of {@code bucketMillis}
 * (cumulative, as a Prometheus histogram counts). The dashboard turns two readings into rates and a p99.
 */
public record TrafficView(String route, String upstream, long requests, long errors, double[] bucketMillis,
                          long[] bucketCounts) {}
