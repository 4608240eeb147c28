package io.gatehouse.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * curl run as a process from the test thread (never an event loop): a real third-party client for
 * forward proxying ({@code -x}), CONNECT and TLS. What it printed is parsed into the status, the
 * headers and body of the last response, and the CONNECT status.
 */
final class Curl {
  /** What curl got: exit code, final status (0 if none), CONNECT status (0 if none), last headers, body, stderr. */
  record Result(int exit, int status, int connectStatus, Map<String, String> headers, String body, String stderr) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private Curl() {}

  static Result run(String... args) {
    List<String> command = new ArrayList<>(List.of("curl", "-s", "-S", "-i", "--max-time", "20", "--noproxy", "",
        "--suppress-connect-headers", "-w", "\n%{http_code} %{http_connect}"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      byte[] out = p.getInputStream().readAllBytes();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("curl did not finish: " + command);
      }
      return parse(p.exitValue(), new String(out, StandardCharsets.UTF_8), err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static Result parse(int exit, String out, String err) {
    int lastLine = out.lastIndexOf('\n');
    String[] codes = out.substring(lastLine + 1).trim().split(" ");
    String rest = lastLine < 0 ? "" : out.substring(0, lastLine);
    // The last response's head: from its status line to the blank line.
    int head = rest.lastIndexOf("HTTP/");
    while (head > 0 && rest.charAt(head - 1) != '\n') {
      head = rest.lastIndexOf("HTTP/", head - 1);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String body = "";
    if (head >= 0) {
      int end = rest.indexOf("\r\n\r\n", head);
      String block = end < 0 ? rest.substring(head) : rest.substring(head, end);
      body = end < 0 ? "" : rest.substring(end + 4);
      for (String line : block.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && !line.startsWith("HTTP/")) {
          headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
      }
    }
    return new Result(exit, Integer.parseInt(codes[0]), codes.length > 1 ? Integer.parseInt(codes[1]) : 0, headers, body, err);
  }
}
