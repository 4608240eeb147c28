package io.gatehouse.certs;

import io.netty.handler.ssl.OpenSsl;
import io.netty.util.Version;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;

/**
 * The TLS implementation listeners run on: BoringSSL through netty-tcnative when its native
 * library loads, else (only if allowed) the JDK's engine. {@link #describe()} is the startup log line.
 */
public final class TlsEngine {
  private final SSLEngineOptions engineOptions;
  private final boolean boringSsl;
  private final String description;

  private TlsEngine(SSLEngineOptions engineOptions, boolean boringSsl, String description) {
    this.engineOptions = engineOptions;
    this.boringSsl = boringSsl;
    this.description = description;
  }

  /**
   * BoringSSL when available. Otherwise the JDK engine if {@code allowJdkFallback} (its
   * description says why, worth a WARN), else an {@link IllegalStateException} carrying the cause.
   */
  public static TlsEngine detect(boolean allowJdkFallback) {
    if (OpenSSLEngineOptions.isAvailable() && OpenSSLEngineOptions.isAlpnAvailable()) {
      // Session cache on: resumed handshakes skip the certificate signature, the costly part.
      OpenSSLEngineOptions options = new OpenSSLEngineOptions().setSessionCacheEnabled(true);
      return new TlsEngine(options, true,
          "BoringSSL (netty-tcnative " + tcnativeVersion() + ", " + OpenSsl.versionString() + ")");
    }
    Throwable cause = OpenSsl.isAvailable()
        ? new UnsupportedOperationException("the native library has no ALPN support")
        : OpenSsl.unavailabilityCause();
    String why = "BoringSSL (netty-tcnative) is not available: " + (cause == null ? "unknown cause" : cause);
    if (!allowJdkFallback) {
      throw new IllegalStateException(why + "; add netty-tcnative-boringssl-static for this platform"
          + " or allow the JDK fallback", cause);
    }
    return jdk(why + "; falling back to the JDK TLS engine (slower handshakes)");
  }

  /** The JDK engine, regardless of BoringSSL; for tests and for platforms without tcnative. */
  public static TlsEngine jdk() {
    return jdk("JDK TLS engine (" + System.getProperty("java.vendor") + " " + Runtime.version() + ")");
  }

  private static TlsEngine jdk(String description) {
    return new TlsEngine(new JdkSSLEngineOptions(), false, description);
  }

  private static String tcnativeVersion() {
    Map<String, Version> versions = Version.identify();
    for (String artifact : new String[] {"netty-tcnative-boringssl-static", "netty-tcnative-classes", "netty-tcnative"}) {
      Version version = versions.get(artifact);
      if (version != null) {
        return version.artifactVersion();
      }
    }
    String fromJar = io.netty.internal.tcnative.SSL.class.getPackage().getImplementationVersion();
    return fromJar != null ? fromJar : fromPomProperties();
  }

  /** The tcnative jars carry no Netty version file, but Maven's pom.properties (kept by shading). */
  private static String fromPomProperties() {
    for (String artifact : new String[] {"netty-tcnative-boringssl-static", "netty-tcnative-classes"}) {
      try (InputStream in = TlsEngine.class.getResourceAsStream("/META-INF/maven/io.netty/" + artifact + "/pom.properties")) {
        if (in != null) {
          Properties properties = new Properties();
          properties.load(in);
          return properties.getProperty("version", "unknown version");
        }
      } catch (IOException e) {
        return "unknown version";
      }
    }
    return "unknown version";
  }

  /** What to pass to {@code HttpServerOptions.setSslEngineOptions}; a fresh copy each call. */
  public SSLEngineOptions engineOptions() {
    return engineOptions.copy();
  }

  /** Whether this is BoringSSL (netty-tcnative) rather than the JDK engine. */
  public boolean isBoringSsl() {
    return boringSsl;
  }

  /** One line for the startup log, e.g. "BoringSSL (netty-tcnative 2.0.81.Final, BoringSSL)". */
  public String describe() {
    return description;
  }

  @Override
  public String toString() {
    return description;
  }
}
