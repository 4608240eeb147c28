package io.gatehouse.gateway.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/** SNI read from real ClientHellos (the JDK's), whole or a few bytes at a time; non-TLS refused. */
class SniPeekTest {
  static byte[] clientHello(String sni) throws Exception {
    SSLEngine engine = SSLContext.getDefault().createSSLEngine("ignored", 443);
    engine.setUseClientMode(true);
    SSLParameters params = engine.getSSLParameters();
    params.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    engine.setSSLParameters(params);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] bytes = new byte[out.remaining()];
    out.get(bytes);
    return bytes;
  }

  @Test
  void readsTheServerNameOfAWholeClientHello() throws Exception {
    SniPeek.Result r = new SniPeek().offer(Buffer.buffer(clientHello("API.Example.com")));
    assertEquals(new SniPeek.Result.Found("api.example.com"), r);
  }

  @Test
  void aggregatesAClientHelloSentInPieces() throws Exception {
    byte[] hello = clientHello("pieces.test");
    SniPeek peek = new SniPeek();
    SniPeek.Result r = null;
    for (int i = 0; i < hello.length; i += 7) {
      r = peek.offer(Buffer.buffer(java.util.Arrays.copyOfRange(hello, i, Math.min(hello.length, i + 7))));
      if (i + 7 < hello.length) {
        assertInstanceOf(SniPeek.Result.NeedMore.class, r);
      }
    }
    assertEquals(new SniPeek.Result.Found("pieces.test"), r);
  }

  @Test
  void aClientHelloWithoutSniHasAnEmptyName() throws Exception {
    assertEquals(new SniPeek.Result.Found(""), new SniPeek().offer(Buffer.buffer(clientHello(null))));
  }

  @Test
  void plainTextIsNotTls() {
    assertInstanceOf(SniPeek.Result.NotTls.class, new SniPeek().offer(Buffer.buffer("GET / HTTP/1.1\r\n\r\n")));
  }
}
