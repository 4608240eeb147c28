package io.gatehouse.routes.table;

/** What the route table needs to know of a request; small so the table is tested without a server. */
public interface RequestView {
  String method();

  /** The Host header or :authority as received (any case, maybe with a port); null if absent. */
  String host();

  /** The path without the query string. */
  String path();

  /** The first value of a header, by lowercase name; null if absent. {@code :authority} is {@link #host()}. */
  String header(String name);

  /** The first value of a query parameter; null if absent. */
  String query(String name);
}
