package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resumed handshakes skip the certificate signature, the costly part of TLS: the HTTPS listener
 * resumes TLS 1.2 sessions (session cache) and TLS 1.3 ones (tickets), as {@code openssl s_client} sees.
 */
class SessionResumptionTest {
  @TempDir static Path dir;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    TestCerts certs = TestCerts.in(dir);
    certs.server("tls", "localhost");
    gateway = TestGateway.startRaw("admin: { port: 0 }\nlisteners:\n" + certs.httpsListener("tls")
        + "routes: [{ name: ok, directResponse: { status: 200, body: \"resumed or not\" } }]\n");
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void tls12SessionsAreResumed() throws Exception {
    String out = openssl("-tls1_2", "-reconnect");
    assertTrue(out.contains("New, TLSv1.2"), out);
    assertTrue(out.contains("Reused, TLSv1.2"), out);
  }

  @Test
  void tls13SessionsAreResumedWithATicket() throws Exception {
    Path session = dir.resolve("session.pem");
    String first = openssl("-tls1_3", "-sess_out", session.toString());
    assertTrue(first.contains("New, TLSv1.3") && first.contains("resumed or not"), first);
    String second = openssl("-tls1_3", "-sess_in", session.toString());
    assertTrue(second.contains("Reused, TLSv1.3") && second.contains("resumed or not"), second);
  }

  /** One {@code openssl s_client} run that sends a request and reads until the server closes. */
  private static String openssl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect",
        "127.0.0.1:" + gateway.gatehouse.listenerPort("https"), "-servername", "localhost",
        "-CAfile", dir.resolve("ca.crt").toString(), "-verify_return_error", "-ign_eof"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl exits");
    return out;
  }
}
