package io.gatehouse.routes;

/** Where a piece of config was written: a file (or source name) and a 1-based line. */
public record Origin(String file, int line) {
  @Override public String toString() {
    return file + ":" + line;
  }
}
