package io.gatehouse.gateway.proxy;

/** A reusable step wrapping the next stage; chains are built once per snapshot, never per request. */
@FunctionalInterface
public interface Filter {
  Stage wrap(Stage next);
}
