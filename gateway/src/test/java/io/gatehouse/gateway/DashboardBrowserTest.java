package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The dashboard in a real browser: Debian's headless Chromium, driven by its chromedriver through
 * Selenium, loads {@code /ui} with the admin token, shows the test config's routes, shows numbers
 * and the topology graph change while traffic flows, shows an endpoint ejected after it is killed,
 * and logs nothing to the browser console. Screenshots go to {@code target/}.
 */
class DashboardBrowserTest {
  static final String TOKEN = "dashboard-test-token";

  Vertx vertx;
  EchoUpstream a;
  EchoUpstream b;
  TestGateway gateway;
  WebDriver browser;
  Path profile;
  Thread load;
  final AtomicBoolean loading = new AtomicBoolean(true);

  @BeforeEach
  void start() throws IOException {
    vertx = Vertx.vertx();
    a = EchoUpstream.start(vertx, "a");
    b = EchoUpstream.start(vertx, "b");
  }

  /** Headless Chromium, started once the gateway is up (both at once overload a small machine). */
  private void openBrowser() throws IOException {
    profile = Files.createTempDirectory("chromium-profile");
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1440,1000", "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
  }

  /** The shop: two endpoints behind outlier detection, the admin API behind a token. */
  private TestGateway startShop() throws IOException {
    Path token = Files.createTempFile("gatehouse-admin-token", ".txt");
    Files.writeString(token, TOKEN + "\n");
    return TestGateway.startRaw("""
        admin: { port: 0, tokenFile: "%s" }
        listeners: [{ name: http, port: 0, protocol: HTTP }]
        upstreams:
          - name: shop
            endpoints: ["%s", "%s"]
            outlierDetection: { consecutiveErrors: 3, baseEjectionTime: 60s, maxEjectionPercent: 50 }
        routes:
          - { name: shop, hosts: [shop.test], match: [{ path: { prefix: /api } }], backends: [{ upstream: shop }],
              retries: { attempts: 1, on: [connect-failure] } }
          - { name: health, hosts: ["*"], directResponse: { status: 200, body: ok } }
        """.formatted(token, a.address(), b.address()));
  }

  @AfterEach
  void stop() {
    loading.set(false);
    if (load != null) {
      try {
        load.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (browser != null) {
      browser.quit();
    }
    if (gateway != null) {
      gateway.close();
    }
    a.close();
    b.close();
    vertx.close();
  }

  @Test
  void theDashboardShowsRoutesLiveTrafficAndAnEjectedEndpoint() throws IOException {
    gateway = startShop();
    openBrowser();
    for (int i = 0; i < 3; i++) {
      assertEquals(200, gateway.get("/api/before", Map.of("host", "shop.test")).status());
    }
    browser.get("http://127.0.0.1:" + gateway.gatehouse.adminPort() + "/ui#token=" + TOKEN);
    Await.until("the routes of the config", 15, () -> text("#routes").contains("shop") && text("#routes").contains("health"));
    assertTrue(text("#routes").contains("prefix /api"), text("#routes"));
    Await.until("the topology graph", 10, () -> !text("#topology g[data-id='r:shop']").isEmpty());
    Await.until("a second reading", 5, () -> !text("#routes tr[data-route='shop'] td.rps").isEmpty());
    assertEquals("0.0", cell("#routes tr[data-route='shop'] td.rps"), "requests before the page opened are no rate");
    screenshot("dashboard-idle");

    AtomicInteger sent = new AtomicInteger();
    load = new Thread(() -> {
      while (loading.get()) {
        gateway.get("/api/items", Map.of("host", "shop.test"));
        sent.incrementAndGet();
      }
    }, "dashboard-load");
    load.start();
    Await.until("a request rate on the shop route", 15, () -> rate(cell("#routes tr[data-route='shop'] td.rps")) > 0);
    Await.until("a thicker edge from the route to its upstream", 10, () -> edgeRps("r:shop", "u:shop") > 0);
    screenshot("dashboard-traffic");

    b.kill();
    String ejected = "#upstreams tr[data-endpoint='" + b.address() + "']";
    Await.until("b ejected by outlier detection", 20, () -> text(ejected).contains("EJECTED"));
    Await.until("the graph shows the ejected endpoint", 10,
        () -> text("#topology g.node.EJECTED").contains(b.address()));
    assertTrue(text("#upstreams tr[data-endpoint='" + a.address() + "']").contains("HEALTHY"));
    screenshot("dashboard-ejected");
    assertTrue(sent.get() > 10, "the load ran: " + sent.get());

    List<LogEntry> console = browser.manage().logs().get(LogType.BROWSER).getAll();
    assertTrue(console.stream().noneMatch(e -> e.getLevel().intValue() >= Level.WARNING.intValue()),
        "browser console: " + console);
  }

  /**
   * The README's promise: after its first command (the embedded demo config), a new user opens
   * {@code http://127.0.0.1:9901/ui}, with no token (the admin port is on loopback), curls the demo
   * and sees the route {@code demo} light up, in its table and in the graph.
   */
  @Test
  void aNewUserSeesTheDemoRouteLightUpWithoutAToken() throws IOException {
    gateway = TestGateway.startRaw(DocsExamplesTest.demoConfig(DocsExamplesTest.freePort()));
    openBrowser();
    browser.get("http://127.0.0.1:" + gateway.gatehouse.adminPort() + "/ui");
    Await.until("the demo's routes", 15, () -> text("#routes").contains("demo") && text("#routes").contains("status"));
    Await.until("the demo route in the graph", 10, () -> !text("#topology g[data-id='r:demo']").isEmpty());
    AtomicInteger sent = new AtomicInteger();
    load = new Thread(() -> {
      while (loading.get()) {
        if (gateway.get("/hello?name=you").status() == 200) {
          sent.incrementAndGet();
        }
      }
    }, "demo-curl");
    load.start();
    Await.until("a request rate on the demo route", 15, () -> rate(cell("#routes tr[data-route='demo'] td.rps")) > 0);
    Await.until("an edge from the demo route to its upstream", 10, () -> edgeRps("r:demo", "u:demo-echo") > 0);
    screenshot("dashboard-demo");
    assertTrue(sent.get() > 0, "the demo answered 200");
    assertTrue(text("#upstreams").contains("HEALTHY"), text("#upstreams"));
    List<LogEntry> console = browser.manage().logs().get(LogType.BROWSER).getAll();
    assertTrue(console.stream().noneMatch(e -> e.getLevel().intValue() >= Level.WARNING.intValue()),
        "browser console (no token asked for): " + console);
  }

  /** The text of the first element {@code css} selects, read in one script: the page re-renders every second. */
  private String text(String css) {
    Object text = ((JavascriptExecutor) browser).executeScript(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", css);
    return String.valueOf(text);
  }

  private String cell(String css) {
    return text(css).trim();
  }

  private static double rate(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private double edgeRps(String from, String to) {
    Object rps = ((JavascriptExecutor) browser).executeScript(
        "const e = document.querySelector(arguments[0]); return e ? e.getAttribute('data-rps') : '0';",
        "#topology path[data-from='" + from + "'][data-to='" + to + "']");
    return rate(String.valueOf(rps));
  }

  private void screenshot(String name) {
    try {
      Path file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
      Files.createDirectories(Path.of("target", "screenshots"));
      Files.copy(file, Path.of("target", "screenshots", name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
