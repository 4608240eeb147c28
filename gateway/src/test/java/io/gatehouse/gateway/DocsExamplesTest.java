package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the examples of README.md and docs/*.md, so the docs cannot drift from what the gateway does.
 *
 * <p>The conventions, in the Markdown:
 * <ul>
 *   <li>Every {@code ```console} block of README.md, and every one in docs/ that the line right above
 *       its fence marks {@code <!-- docs-test: demo -->}, runs against the demo: the gateway on the
 *       embedded default config ({@code routes/gatehouse.yaml}), started in-process (one per file,
 *       blocks in file order). A line starting with {@code $ } is a command (a line ending with
 *       {@code \} continues it); the lines up to the next command are its output, stdout and stderr
 *       together. Each command runs with {@code bash -c} in a working directory holding
 *       {@code local/gatehouse.yaml}, the config the demo runs on (as after the README's
 *       {@code cp routes/gatehouse.yaml local/}), with {@code HOME} a fresh directory whose
 *       {@code .gatehouse/} is the demo's state directory (so {@code ~/.gatehouse/dev-certs/dev-ca.crt}
 *       is its dev CA) and curl's progress meter off, as on a terminal.</li>
 *   <li>The demo runs on free ports, not 8080, 8443, 9901 and 9000: the test rewrites those port
 *       numbers (after a colon) in commands and shown output, and runs
 *       {@code java -jar gateway/target/gatehouse.jar} as this JVM's classpath's {@code Main}.</li>
 *   <li>Output must match, except what legitimately varies: request ids (32 hex digits), certificate
 *       fingerprints (64), curl's version, {@code content-length} values, dates and times, config
 *       version numbers ({@code "version" : N}, ETags), the config directory in source names
 *       ({@code file:routes}) and the home directory (shown as {@code /home/you}). A shown line
 *       {@code ...} stands for any number of lines.</li>
 *   <li>A {@code ```yaml} block marked {@code <!-- docs-test: edit FILE, insert before "LINE" -->} is
 *       an edit the reader makes: the test inserts the block into FILE (relative to the working
 *       directory) before the first line equal to LINE, and waits for the demo to install it.</li>
 *   <li>Every {@code ```yaml} block with top-level {@code listeners:} and {@code routes:}, or marked
 *       {@code <!-- docs-test: config -->}, is a whole native config: it must load with the real
 *       loader without errors (relative paths resolve against the repository root).</li>
 * </ul>
 */
class DocsExamplesTest {
  private static final Path ROOT = repositoryRoot();
  private static final Pattern MARK = Pattern.compile("^<!--\\s*docs-test:\\s*(.*?)\\s*-->$");
  private static final Pattern EDIT = Pattern.compile("^edit (\\S+), insert before \"(.*)\"$");
  private static final Pattern DEMO_PORT = Pattern.compile(":(8080|8443|9901|9000)\\b");
  private static final String JAR = "java -jar gateway/target/gatehouse.jar";

  /** One fenced block: its language, its text, and the {@code docs-test} mark right above it (or ""). */
  record Block(String file, int line, String lang, String text, String mark) {}

  @TempDir Path tmp;

  @Test
  void readmeConsoleExamplesRunAgainstTheDemo() throws Exception {
    List<Block> blocks = blocks(ROOT.resolve("README.md"));
    assertTrue(blocks.stream().anyMatch(b -> b.lang().equals("console")), "README.md has no console examples");
    runAgainstDemo(blocks.stream().filter(b -> b.lang().equals("console") || b.mark().startsWith("edit ")).toList());
  }

  @TestFactory
  Stream<DynamicTest> markedDocsConsoleExamplesRunAgainstTheDemo() {
    return docs().map(doc -> DynamicTest.dynamicTest(ROOT.relativize(doc).toString(), () -> {
      List<Block> marked = blocks(doc).stream()
          .filter(b -> (b.lang().equals("console") && b.mark().equals("demo")) || b.mark().startsWith("edit ")).toList();
      if (!marked.isEmpty()) {
        runAgainstDemo(marked);
      }
    }));
  }

  @TestFactory
  Stream<DynamicTest> wholeConfigsInTheDocsLoad() {
    List<Block> configs = new ArrayList<>();
    Stream.concat(Stream.of(ROOT.resolve("README.md"), ROOT.resolve("perf/README.md")), docs())
        .forEach(doc -> blocks(doc).stream().filter(DocsExamplesTest::wholeConfig).forEach(configs::add));
    assertTrue(configs.size() >= 3, "expected the docs to hold whole configs, found " + configs.size());
    return configs.stream().map(b -> DynamicTest.dynamicTest(b.file() + ":" + b.line(), () -> {
      LoadResult result = ConfigLoader.load(List.of(new ConfigFile(b.file() + ":" + b.line(), b.text(), ROOT)));
      if (result instanceof LoadResult.Rejected rejected) {
        fail(b.file() + ":" + b.line() + ": the config does not load: " + rejected.errors());
      }
    }));
  }

  @Test
  void everyFenceIsClosed() {
    Stream.concat(Stream.of(ROOT.resolve("README.md"), ROOT.resolve("perf/README.md")), docs()).forEach(doc -> {
      int open = 0;
      List<String> lines = read(doc);
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).stripLeading().startsWith("```")) {
          open = open == 0 ? i + 1 : 0;
        }
      }
      assertEquals(0, open, ROOT.relativize(doc) + ":" + open + ": this fence is never closed");
    });
  }

  /** The normalisation compares what matters: it must not hide a changed status, header or body. */
  @Test
  void outputThatDiffersInSubstanceDoesNotMatch() {
    assertTrue(matches("HTTP/1.1 200 OK\ncontent-length: 402\nx-request-id: 4e2d5bff25e780abdfed04d8f5f76fd7\n",
        "HTTP/1.1 200 OK\r\ncontent-length: 404\r\nx-request-id: e12ba90d9f46e029d799356316fd8273\r\n"));
    assertTrue(!matches("HTTP/1.1 200 OK\nx-served-by: gatehouse\n", "HTTP/1.1 200 OK\n"));
    assertTrue(!matches("gatehouse is up\n", "gatehouse is down\n"));
    assertTrue(matches("a\n...\nz\n", "a\nb\nc\nz\n"));
    assertTrue(!matches("a\n...\nz\n", "a\nb\nc\n"));
  }

  private void runAgainstDemo(List<Block> blocks) throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work-" + System.nanoTime()));
    Path home = Files.createDirectories(work.resolve("home"));
    Files.writeString(home.resolve(".curlrc"), "--no-progress-meter\n");
    Path local = Files.createDirectories(work.resolve("local"));
    int echo = freePort();
    Files.writeString(local.resolve("gatehouse.yaml"), demoConfig(echo));
    ByteArrayOutputStream accessLog = new ByteArrayOutputStream();
    OutputStream sync = new OutputStream() {
      @Override public synchronized void write(int b) {
        accessLog.write(b);
      }

      @Override public synchronized void write(byte[] b, int off, int len) {
        accessLog.write(b, off, len);
      }
    };
    try (Gatehouse demo = Gatehouse.start(new Gatehouse.Options(Optional.of(local), OptionalInt.empty(), 1,
        Duration.ofSeconds(1), sync, home.resolve(".gatehouse"), Optional.empty(), List.of())
        .withVertxOptions(TestGateway.strictVertx()))) {
      Map<String, String> ports = Map.of("8080", String.valueOf(demo.listenerPort("http")),
          "8443", String.valueOf(demo.listenerPort("https")), "9901", String.valueOf(demo.adminPort()),
          "9000", String.valueOf(echo));
      for (Block block : blocks) {
        if (block.mark().startsWith("edit ")) {
          edit(demo, work, block);
        } else {
          for (Example example : examples(block)) {
            String command = ports(example.command(), ports);
            String shown = ports(example.output(), ports);
            String got = bash(command, work, home).replace(home.toString(), "/home/you");
            if (!matches(shown, got)) {
              assertEquals(normalise(shown), normalise(got), block.file() + ":" + example.line() + ": `" + example.command()
                  + "` answers differently from what the docs show (ports as run: " + ports + ")");
            }
          }
        }
      }
    }
  }

  /** The embedded default config on free ports: the listeners and admin on port 0, the demo echo on {@code echo}. */
  static String demoConfig(int echo) {
    String text = ConfigLoader.embeddedDefault().get(0).text();
    String[][] swaps = {{"port: 9901", "port: 0"}, {"port: 8080", "port: 0"}, {"port: 8443", "port: 0"},
        {"echoPort: 9000", "echoPort: " + echo}, {"\"127.0.0.1:9000\"", "\"127.0.0.1:" + echo + "\""}};
    for (String[] swap : swaps) {
      assertTrue(text.contains(swap[0]), "the embedded default config no longer has " + swap[0] + "; update this test");
      text = text.replace(swap[0], swap[1]);
    }
    return text;
  }

  private static void edit(Gatehouse demo, Path work, Block block) throws IOException {
    Matcher m = EDIT.matcher(block.mark());
    assertTrue(m.matches(), block.file() + ":" + block.line() + ": expected <!-- docs-test: edit FILE, insert before \"LINE\" -->");
    Path file = work.resolve(m.group(1));
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    int at = lines.indexOf(m.group(2));
    assertTrue(at >= 0, block.file() + ":" + block.line() + ": " + m.group(1) + " has no line \"" + m.group(2) + "\"");
    lines.addAll(at, List.of(block.text().split("\n", -1)).subList(0, block.text().split("\n", -1).length - 1));
    long before = demo.store().version();
    Files.write(file, lines);
    Await.until("the edit of " + m.group(1) + " installed (version > " + before + ")", 10, () -> demo.store().version() > before);
  }

  private static String bash(String command, Path dir, Path home) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String run = command.replace(JAR, "'" + java + "' -cp '" + System.getProperty("java.class.path") + "' " + Main.class.getName());
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", run).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("HOME", home.toString());
    pb.environment().put("CURL_HOME", home.toString());
    pb.environment().remove("GATEHOUSE_STATE_DIR");
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("`" + command + "` did not finish within 60 s");
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /** One {@code $ } command of a console block, the 1-based line it is on, and the output shown after it. */
  record Example(int line, String command, String output) {}

  static List<Example> examples(Block block) {
    List<Example> out = new ArrayList<>();
    String[] lines = block.text().split("\n", -1);
    int i = 0;
    while (i < lines.length) {
      if (!lines[i].startsWith("$ ")) {
        assertTrue(lines[i].isBlank() || !out.isEmpty(), block.file() + ":" + (block.line() + 1 + i)
            + ": a console block must start with a `$ ` command");
        i++;
        continue;
      }
      int line = block.line() + 1 + i;
      StringBuilder command = new StringBuilder(lines[i].substring(2));
      while (command.toString().endsWith("\\") && i + 1 < lines.length) {
        command.append('\n').append(lines[++i]);
      }
      i++;
      StringBuilder output = new StringBuilder();
      while (i < lines.length && !lines[i].startsWith("$ ")) {
        output.append(lines[i]).append('\n');
        i++;
      }
      out.add(new Example(line, command.toString(), output.toString()));
    }
    return out;
  }

  private static String ports(String text, Map<String, String> ports) {
    return DEMO_PORT.matcher(text).replaceAll(r -> ":" + ports.get(r.group(1)));
  }

  /** Whether {@code got} is what {@code shown} shows, up to what legitimately varies; a shown line "..." matches any lines. */
  static boolean matches(String shown, String got) {
    List<String> want = List.of(normalise(shown).split("\n", -1));
    List<String> have = List.of(normalise(got).split("\n", -1));
    return matches(want, 0, have, 0);
  }

  private static boolean matches(List<String> want, int w, List<String> have, int h) {
    if (w == want.size()) {
      return h == have.size();
    }
    if (want.get(w).equals("...")) {
      for (int skip = h; skip <= have.size(); skip++) {
        if (matches(want, w + 1, have, skip)) {
          return true;
        }
      }
      return false;
    }
    return h < have.size() && want.get(w).equals(have.get(h)) && matches(want, w + 1, have, h + 1);
  }

  static String normalise(String text) {
    String s = text.replace("\r\n", "\n")
        .replaceAll("\\b[0-9a-f]{64}\\b", "<hash>")
        .replaceAll("\\b[0-9a-f]{32}\\b", "<id>")
        .replaceAll("file:[^\\s\",]+", "file:<dir>")
        .replaceAll("curl/[0-9][0-9.]*", "curl/<version>")
        .replaceAll("(?im)^(content-length: )\\d+$", "$1<n>")
        .replaceAll("(?im)^(date: ).*$", "$1<date>")
        .replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z", "<time>")
        .replaceAll("(\"version\" : )\\d+", "$1<n>")
        .replaceAll("(?im)^(etag: )\"\\d+\"$", "$1\"<n>\"");
    StringBuilder out = new StringBuilder();
    for (String line : s.split("\n", -1)) {
      out.append(line.stripTrailing()).append('\n');
    }
    return out.toString().strip();
  }

  private static boolean wholeConfig(Block b) {
    if (!b.lang().equals("yaml")) {
      return false;
    }
    if (b.mark().equals("config")) {
      return true;
    }
    return Pattern.compile("(?m)^listeners:").matcher(b.text()).find() && Pattern.compile("(?m)^routes:").matcher(b.text()).find();
  }

  static List<Block> blocks(Path doc) {
    List<String> lines = read(doc);
    List<Block> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!line.startsWith("```") || line.length() == 3) {
        continue;
      }
      String lang = line.substring(3).strip();
      Matcher mark = i > 0 ? MARK.matcher(lines.get(i - 1).strip()) : MARK.matcher("");
      StringBuilder text = new StringBuilder();
      int start = i + 1;
      while (++i < lines.size() && !lines.get(i).startsWith("```")) {
        text.append(lines.get(i)).append('\n');
      }
      out.add(new Block(ROOT.relativize(doc).toString(), start, lang, text.toString(), mark.matches() ? mark.group(1) : ""));
    }
    return out;
  }

  private static Stream<Path> docs() {
    try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
      return files.filter(p -> p.toString().endsWith(".md")).sorted().toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> read(Path doc) {
    try {
      return Files.readAllLines(doc, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The repository root: the nearest folder up from the working directory (gateway/ under Maven) with README.md and docs/. */
  private static Path repositoryRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("docs"))) {
        return p;
      }
    }
    throw new IllegalStateException("no README.md with docs/ above " + Path.of("").toAbsolutePath());
  }
}
