package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Cors;
import io.gatehouse.routes.DataSize;
import io.gatehouse.routes.load.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the ingress-nginx annotations ({@value #PREFIX}*) of one Ingress ask of all its routes, for
 * those that map onto native features; every other one of them is warned about by name (never
 * silently dropped). The defaults are ingress-nginx's where they differ from the native ones.
 */
record NginxAnnotations(boolean regex, String rewriteTarget, Tree rewriteAt, boolean sslRedirect,
                        boolean forceSslRedirect, String backendProtocol, DataSize bodySize, List<String> allow,
                        Duration timeout, Cors cors, String sslName, Optional<SecretStore.TlsFiles> sslSecret) {
  static final String PREFIX = "nginx.ingress.kubernetes.io/";
  private static final Set<String> CORS = Set.of("enable-cors", "cors-allow-origin", "cors-allow-methods",
      "cors-allow-headers", "cors-expose-headers", "cors-allow-credentials", "cors-max-age");
  private static final Set<String> MAPPED = mapped();
  private static final int READ_TIMEOUT_SECONDS = 60;
  private static final int CONNECT_TIMEOUT_SECONDS = 5;
  private static final String CORS_METHODS = "GET, PUT, POST, DELETE, PATCH, OPTIONS";
  private static final String CORS_HEADERS =
      "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization";
  private static final Duration CORS_MAX_AGE = Duration.ofSeconds(1_728_000);
  private static final Pattern NGINX_SIZE = Pattern.compile("(\\d{1,12})([kKmMgG]?)");

  /** Reads the annotations: the mapped ingress-nginx ones, a warning for every other one of ingress-nginx. */
  static NginxAnnotations read(Scope scope, MeshResource r, Catalog catalog, SecretStore secrets) {
    Tree annotations = r.metadata().get("annotations");
    Map<String, Tree> nginx = new LinkedHashMap<>();
    for (String key : annotations.keys()) {
      if (!key.startsWith(PREFIX)) {
        continue;
      }
      String name = key.substring(PREFIX.length());
      if (MAPPED.contains(name)) {
        nginx.put(name, annotations.get(key));
      } else {
        scope.warn(annotations.get(key), "ingress-nginx annotation " + name + " is not supported by this gateway; ignored");
      }
    }
    Tree none = Tree.missing("metadata.annotations");
    Tree rewriteAt = nginx.getOrDefault("rewrite-target", none);
    String rewriteTarget = rewriteAt.text().trim();
    if (rewriteAt.present() && !rewriteTarget.startsWith("/")) {
      scope.error(rewriteAt, "\"" + rewriteTarget + "\" is not a path (a rewrite target starts with /)");
      rewriteTarget = "";
    }
    boolean regex = bool(scope, nginx.getOrDefault("use-regex", none), false) || !rewriteTarget.isEmpty();
    boolean sslRedirect = bool(scope, nginx.getOrDefault("ssl-redirect", none), true);
    boolean force = bool(scope, nginx.getOrDefault("force-ssl-redirect", none), false);
    Tree protocolAt = nginx.getOrDefault("backend-protocol", none);
    String protocol = protocolAt.present() ? protocolAt.text().trim().toUpperCase(Locale.ROOT) : "HTTP";
    if (!Set.of("HTTP", "HTTPS", "GRPC", "GRPCS").contains(protocol)) {
      scope.error(protocolAt, "\"" + protocolAt.text() + "\" is not a backend protocol this gateway speaks"
          + " (expected HTTP, HTTPS, GRPC or GRPCS)");
      protocol = "HTTP";
    }
    DataSize bodySize = new DataSize(0);
    Tree sizeAt = nginx.getOrDefault("proxy-body-size", none);
    if (sizeAt.present()) {
      Matcher m = NGINX_SIZE.matcher(sizeAt.text().trim());
      if (m.matches()) {
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 1L << 10;
          case "m" -> 1L << 20;
          case "g" -> 1L << 30;
          default -> 1;
        };
        bodySize = new DataSize(Long.parseLong(m.group(1)) * unit);
      } else {
        scope.error(sizeAt, "\"" + sizeAt.text() + "\" is not a size (expected nginx's form: 8k, 10m, 1g, or 0 for no limit)");
      }
    }
    List<String> allow = new ArrayList<>();
    for (String key : List.of("whitelist-source-range", "allowlist-source-range")) {
      Tree at = nginx.getOrDefault(key, none);
      for (String part : at.text().split(",")) {
        String cidr = part.trim();
        if (cidr.isEmpty()) {
          continue;
        }
        if (cidr.indexOf('/') < 0) {
          cidr = cidr + (cidr.indexOf(':') >= 0 ? "/128" : "/32");
        }
        Optional<String> problem = Values.cidrProblem(cidr);
        if (problem.isPresent()) {
          scope.error(at, "\"" + part.trim() + "\" is not a CIDR: " + problem.get());
        } else {
          allow.add(cidr);
        }
      }
    }
    int read = seconds(scope, nginx.getOrDefault("proxy-read-timeout", none), READ_TIMEOUT_SECONDS);
    int connect = seconds(scope, nginx.getOrDefault("proxy-connect-timeout", none), CONNECT_TIMEOUT_SECONDS);
    Cors cors = cors(scope, nginx, none);
    Tree sslNameAt = nginx.getOrDefault("proxy-ssl-name", none);
    String sslName = sslNameAt.text().trim().toLowerCase(Locale.ROOT);
    if (!sslName.isEmpty() && !Values.isHostName(sslName)) {
      scope.error(sslNameAt, "\"" + sslNameAt.text() + "\" is not a host name");
      sslName = "";
    }
    Optional<SecretStore.TlsFiles> sslSecret = Optional.empty();
    Tree secretAt = nginx.getOrDefault("proxy-ssl-secret", none);
    if (secretAt.present()) {
      String[] parts = secretAt.text().trim().split("/", -1);
      if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
        scope.error(secretAt, "\"" + secretAt.text() + "\" is not a Secret (expected NAMESPACE/NAME)");
      } else {
        sslSecret = Secrets.resolve(scope, secretAt, catalog, secrets, parts[0], parts[1]);
        if (sslSecret.isPresent() && sslSecret.get().ca().isEmpty()) {
          scope.missing(secretAt, "Secret " + secretAt.text().trim() + " has no ca.crt to verify the backend with");
        }
      }
    }
    Tree verifyAt = nginx.getOrDefault("proxy-ssl-verify", none);
    if (verifyAt.present() && !verifyAt.text().trim().equals("on")) {
      scope.warn(verifyAt, "this gateway always verifies a backend's certificate (against proxy-ssl-secret's ca.crt,"
          + " else the JVM's trust store); \"" + verifyAt.text() + "\" is ignored");
    }
    if ((sslSecret.isPresent() || !sslName.isEmpty()) && !protocol.endsWith("S")) {
      scope.warn(sslSecret.isPresent() ? secretAt : sslNameAt, "has no effect unless backend-protocol is HTTPS or GRPCS");
    }
    return new NginxAnnotations(regex, rewriteTarget, rewriteAt, sslRedirect, force, protocol, bodySize, allow,
        Duration.ofSeconds((long) read + connect), cors, sslName, sslSecret);
  }

  /** The enable-cors family; ingress-nginx's defaults for the keys left out. */
  private static Cors cors(Scope scope, Map<String, Tree> nginx, Tree none) {
    Tree enable = nginx.getOrDefault("enable-cors", none);
    if (!bool(scope, enable, false)) {
      for (String key : CORS) {
        if (!key.equals("enable-cors") && nginx.containsKey(key)) {
          scope.warn(nginx.get(key), "has no effect without " + PREFIX + "enable-cors: \"true\"; ignored");
        }
      }
      return Cors.NONE;
    }
    List<String> origins = new ArrayList<>();
    Tree originAt = nginx.getOrDefault("cors-allow-origin", none);
    for (String o : (originAt.present() ? originAt.text() : "*").split(",")) {
      if (!o.isBlank()) {
        IstioRoutePolicies.exact(scope, originAt, o.trim()).forEach(x -> {
          if (!origins.contains(x)) {
            origins.add(x);
          }
        });
      }
    }
    List<String> methods = list(nginx.getOrDefault("cors-allow-methods", none), CORS_METHODS).stream()
        .map(m -> m.toUpperCase(Locale.ROOT)).toList();
    List<String> headers = list(nginx.getOrDefault("cors-allow-headers", none), CORS_HEADERS).stream()
        .map(h -> h.toLowerCase(Locale.ROOT)).toList();
    List<String> expose = list(nginx.getOrDefault("cors-expose-headers", none), "").stream()
        .map(h -> h.toLowerCase(Locale.ROOT)).toList();
    Tree credentialsAt = nginx.getOrDefault("cors-allow-credentials", none);
    boolean credentials = bool(scope, credentialsAt, true);
    if (credentials && origins.contains("*")) {
      if (credentialsAt.present()) {
        scope.warn(credentialsAt, "credentials cannot be allowed with the origin \"*\" (browsers refuse the answer);"
            + " not allowed");
      }
      credentials = false;
    }
    Duration maxAge = CORS_MAX_AGE;
    Tree maxAgeAt = nginx.getOrDefault("cors-max-age", none);
    if (maxAgeAt.present()) {
      maxAge = Duration.ofSeconds(seconds(scope, maxAgeAt, 0));
    }
    if (origins.isEmpty()) {
      scope.warn(enable, "no origin this gateway can express is allowed; CORS is left to the upstream");
      return Cors.NONE;
    }
    return new Cors(origins, methods, headers, expose, maxAge, credentials);
  }

  private static List<String> list(Tree at, String fallback) {
    List<String> out = new ArrayList<>();
    for (String part : (at.present() ? at.text() : fallback).split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  private static boolean bool(Scope scope, Tree at, boolean fallback) {
    if (!at.present()) {
      return fallback;
    }
    String text = at.text().trim().toLowerCase(Locale.ROOT);
    if (text.equals("true") || text.equals("false")) {
      return text.equals("true");
    }
    scope.error(at, "\"" + at.text() + "\" is not a boolean (expected \"true\" or \"false\")");
    return fallback;
  }

  private static int seconds(Scope scope, Tree at, int fallback) {
    if (!at.present()) {
      return fallback;
    }
    String text = at.text().trim();
    if (text.matches("\\d{1,7}")) {
      return Integer.parseInt(text);
    }
    scope.error(at, "\"" + at.text() + "\" is not a number of seconds");
    return fallback;
  }

  private static Set<String> mapped() {
    Set<String> keys = new java.util.HashSet<>(CORS);
    keys.addAll(Set.of("rewrite-target", "use-regex", "ssl-redirect", "force-ssl-redirect", "backend-protocol",
        "proxy-body-size", "whitelist-source-range", "allowlist-source-range", "proxy-read-timeout",
        "proxy-connect-timeout", "proxy-ssl-secret", "proxy-ssl-name", "proxy-ssl-verify"));
    return Set.copyOf(keys);
  }
}
