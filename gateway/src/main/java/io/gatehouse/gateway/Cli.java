package io.gatehouse.gateway;

import io.gatehouse.admin.source.HttpSource;
import io.gatehouse.admin.source.xds.XdsSource;
import io.gatehouse.gateway.observe.JsonLogFormatter;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import io.gatehouse.routes.load.Values;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import sun.misc.Signal;

/**
 * The command line (DESIGN.md's contract):
 * <pre>
 *   run [--config DIR] [--admin-port N] [--event-loops N] [--drain-timeout DURATION]
 *       [--drain-grace DURATION] [--allow-empty]
 *       [--state-dir DIR] [--control-plane URL]... [--control-plane-interval DURATION]
 *       [--xds HOST:PORT]... [--xds-node-id ID] [--xds-ca FILE] [--xds-token FILE]
 *   validate --config DIR [--allow-empty]
 *   --version | --help
 * </pre>
 * Exit codes: 0 success (and a clean drain after SIGTERM), 1 invalid config, 2 usage error.
 */
final class Cli {
  static final String USAGE = """
      usage: gatehouse run [--config DIR] [--admin-port N] [--event-loops N] [--drain-timeout DURATION]
                           [--drain-grace DURATION] [--allow-empty]
                           [--state-dir DIR] [--control-plane URL]... [--control-plane-interval DURATION]
                           [--xds HOST:PORT]... [--xds-node-id ID] [--xds-ca FILE] [--xds-token FILE]
             gatehouse validate --config DIR [--allow-empty]
             gatehouse --version | --help

      run        start the gateway; SIGTERM drains and stops it. Edits to DIR reload within a second
                 (a config with errors is logged with FILE:LINE and the running one keeps serving).
      validate   check the config in DIR without starting anything: exit 0 and a summary when it is
                 valid (warnings, such as a route an earlier one shadows, on stderr), else exit 1 and
                 each error as FILE:LINE: message. Usage errors exit 2.

        --config DIR        read every *.yaml/*.yml in DIR (default: ./routes if present, else the embedded default)
        --admin-port N      admin listener port (overrides admin.port)
        --event-loops N     event loop threads (default: number of cores)
        --drain-timeout D   how long SIGTERM waits for requests in flight, e.g. 30s (default 30s)
        --drain-grace D     how long SIGTERM keeps accepting (answering Connection: close) after
                            /ready turns 503, before listeners stop (default 5s)
        --allow-empty       accept a config with no listeners (otherwise refused: a truncated file)
        --state-dir DIR     where the gateway keeps what it makes: the dev CA, certificates pushed
                            to the admin API (default: $GATEHOUSE_STATE_DIR, else ~/.gatehouse)
        --control-plane URL poll URL for a config document (repeatable: one source each)
        --control-plane-interval D  how often to poll a control plane (default 10s)
        --xds HOST:PORT     take listeners, routes, clusters, endpoints and secrets from an xDS (Envoy v3
                            ADS) control plane such as istiod (repeatable: one source each; also the
                            config's xds block); TLS trusting --xds-ca, else meshIdentity's mesh root,
                            else plaintext to a loopback address and the JVM's trust store elsewhere
        --xds-node-id ID    the node id presented to the control plane (default: Istio's router form,
                            router~$INSTANCE_IP~$POD_NAME.$POD_NAMESPACE~$POD_NAMESPACE.svc.cluster.local)
        --xds-ca FILE       CA bundle (PEM) that signs the control plane's certificate, e.g. Istio's
                            root-cert.pem; these three flags override the xds block's settings
        --xds-token FILE    a service account token (audience istio-ca) sent as a bearer token to the
                            control plane, read again at each reconnect
      """;

  private Cli() {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.print(USAGE);
      return 2;
    }
    if (List.of("--help", "-h", "help").contains(args[0])) {
      out.print(USAGE);
      return 0;
    }
    if (args[0].equals("--version") || args[0].equals("version")) {
      out.println("gatehouse " + Version.current());
      return 0;
    }
    if (!args[0].equals("run") && !args[0].equals("validate")) {
      err.println("gatehouse: unknown command " + args[0] + " (commands: run, validate, --version, --help)");
      err.print(USAGE);
      return 2;
    }
    Args parsed;
    try {
      parsed = Args.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("gatehouse: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    return args[0].equals("validate") ? validate(parsed, out, err) : serve(parsed, err);
  }

  private static int validate(Args args, PrintStream out, PrintStream err) {
    if (args.config.isEmpty()) {
      err.println("gatehouse: validate needs --config DIR");
      return 2;
    }
    Path dir = args.config.get();
    LoadResult result = ConfigLoader.loadDirectory(dir, args.allowEmpty);
    if (result instanceof LoadResult.Rejected rejected) {
      rejected.errors().forEach(e -> err.println(e));
      err.println(rejected.errors().size() + " error(s) in " + dir);
      return 1;
    }
    LoadResult.Loaded loaded = (LoadResult.Loaded) result;
    loaded.warnings().forEach(w -> err.println(w));
    GatewayConfig config = loaded.config();
    out.println(dir + ": valid (" + config.listeners().size() + " listeners, " + config.upstreams().size()
        + " upstreams, " + config.routes().size() + " routes, " + config.egress().allow().size() + " egress rules)");
    return 0;
  }

  private static int serve(Args args, PrintStream err) {
    installJsonLogging();
    Optional<Path> dir = args.config.or(() -> Files.isDirectory(Path.of("routes")) ? Optional.of(Path.of("routes")) : Optional.empty());
    Gatehouse gatehouse;
    try {
      gatehouse = Gatehouse.start(new Gatehouse.Options(dir, args.adminPort, args.eventLoops, args.drainTimeout, System.out,
          args.stateDir, Optional.empty(),
          args.controlPlanes.stream().map(u -> HttpSource.Settings.of(u, args.controlPlaneInterval)).toList())
          .withDrainGrace(args.drainGrace).withAllowEmpty(args.allowEmpty)
          .withXds(new Gatehouse.XdsFlags(args.xds, args.xdsNodeId, args.xdsCa, args.xdsToken)));
    } catch (Gatehouse.StartupException e) {
      e.errors().forEach(error -> err.println(error));
      err.println("gatehouse: not started: the config has " + e.errors().size() + " error(s)");
      return 1;
    } catch (RuntimeException e) {
      err.println("gatehouse: not started: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable drainAndStop = () -> {
      gatehouse.drain();
      gatehouse.close();
      stopped.countDown();
    };
    for (String signal : List.of("TERM", "INT")) {
      Signal.handle(new Signal(signal), s -> new Thread(drainAndStop, "gatehouse-drain").start());
    }
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static void installJsonLogging() {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler console = new ConsoleHandler();
    console.setFormatter(new JsonLogFormatter());
    console.setLevel(Level.INFO);
    root.addHandler(console);
  }

  /** Parsed options. */
  private record Args(Optional<Path> config, OptionalInt adminPort, int eventLoops, Duration drainTimeout,
                      Path stateDir, List<URI> controlPlanes, Duration controlPlaneInterval, Duration drainGrace,
                      boolean allowEmpty, List<String> xds, Optional<String> xdsNodeId, Optional<Path> xdsCa,
                      Optional<Path> xdsToken) {
    static final List<String> OPTIONS = List.of("--config", "--admin-port", "--event-loops", "--drain-timeout",
        "--drain-grace", "--allow-empty", "--state-dir", "--control-plane", "--control-plane-interval", "--xds",
        "--xds-node-id", "--xds-ca", "--xds-token");

    static Args parse(String[] args) {
      Optional<Path> config = Optional.empty();
      OptionalInt adminPort = OptionalInt.empty();
      int eventLoops = Runtime.getRuntime().availableProcessors();
      Duration drain = Duration.ofSeconds(30);
      Path stateDir = Gatehouse.Options.defaultStateDir();
      List<URI> controlPlanes = new java.util.ArrayList<>();
      Duration interval = Duration.ofSeconds(10);
      Duration grace = Gatehouse.Options.DEFAULT_DRAIN_GRACE;
      boolean allowEmpty = false;
      List<String> xds = new java.util.ArrayList<>();
      Optional<String> nodeId = Optional.empty();
      Optional<Path> xdsCa = Optional.empty();
      Optional<Path> xdsToken = Optional.empty();
      for (int i = 1; i < args.length; i++) {
        String flag = args[i];
        if (!OPTIONS.contains(flag)) {
          throw new IllegalArgumentException("unknown option " + flag + " (options: " + String.join(", ", OPTIONS) + ")");
        }
        if (flag.equals("--allow-empty")) {
          allowEmpty = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String value = args[++i];
        switch (flag) {
          case "--config" -> config = Optional.of(Path.of(value));
          case "--admin-port" -> adminPort = OptionalInt.of(port(value));
          case "--event-loops" -> eventLoops = positive(flag, value);
          case "--drain-timeout" -> drain = duration(flag, value);
          case "--drain-grace" -> grace = duration(flag, value);
          case "--state-dir" -> stateDir = Path.of(value);
          case "--control-plane" -> controlPlanes.add(url(value));
          case "--control-plane-interval" -> interval = duration(flag, value);
          case "--xds" -> {
            XdsSource.Settings.parse(value, "check", Optional.empty(), java.util.Map.of()); // HOST:PORT, or a usage error
            xds.add(value);
          }
          case "--xds-node-id" -> nodeId = Optional.of(value);
          case "--xds-ca" -> xdsCa = Optional.of(Path.of(value));
          case "--xds-token" -> xdsToken = Optional.of(Path.of(value));
          default -> throw new IllegalArgumentException("unknown option " + flag);
        }
      }
      return new Args(config, adminPort, eventLoops, drain, stateDir, controlPlanes, interval, grace, allowEmpty, xds,
          nodeId, xdsCa, xdsToken);
    }

    private static int port(String value) {
      int port = positive("--admin-port", value);
      if (port > 65535) {
        throw new IllegalArgumentException("--admin-port: " + value + " (expected: 1..65535)");
      }
      return port;
    }

    private static int positive(String flag, String value) {
      try {
        int n = Integer.parseInt(value);
        if (n > 0) {
          return n;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw new IllegalArgumentException(flag + ": " + value + " (expected: a whole number > 0)");
    }

    private static Duration duration(String flag, String value) {
      return Values.duration(value).filter(d -> !d.isZero() || flag.startsWith("--drain-")).orElseThrow(
          () -> new IllegalArgumentException(flag + ": " + value + " (expected: e.g. 500ms, 30s, 1m)"));
    }

    private static URI url(String value) {
      try {
        URI uri = new URI(value);
        if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
          return uri;
        }
      } catch (java.net.URISyntaxException ignored) {
        // reported below
      }
      throw new IllegalArgumentException("--control-plane: " + value + " (expected: an http:// or https:// URL)");
    }
  }
}
