package io.gatehouse.admin.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.Action;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Route;
import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Several sources merged by precedence, each keeping its last good fragment; edits, history, rollback. */
class ConfigStoreTest {
  private final List<GatewayConfig> installed = new ArrayList<>();
  private final ConfigStore store = new ConfigStore((config, version) -> installed.add(config));

  @AfterEach
  void close() {
    store.close();
  }

  private static Supplier<LoadResult> file(String yaml) {
    return () -> ConfigLoader.load(List.of(new ConfigFile("gw.yaml", yaml, Path.of("."))));
  }

  private static Supplier<LoadResult> fragment(String yaml) {
    return () -> ConfigLoader.loadFragment(List.of(new ConfigFile("cp.yaml", yaml, Path.of("."))));
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
    return f.orTimeout(10, TimeUnit.SECONDS).join();
  }

  private String body(String route) {
    Route r = store.current().routes().stream().filter(x -> x.name().equals(route)).findFirst().orElseThrow();
    return ((Action.DirectResponse) r.action()).body();
  }

  private static final String FILES = """
      upstreams: [{ name: u, endpoints: ["127.0.0.1:1"] }]
      routes: [{ name: shop, directResponse: { status: 200, body: file } }]
      """;

  @Test
  void adminOverridesFilesAndFilesOverrideControlPlanes() {
    await(store.offer("file:conf", file(FILES)));
    await(store.offer("http:cp", fragment("routes: [{ name: shop, directResponse: { status: 200, body: cp } }, "
        + "{ name: extra, backends: [{ upstream: u }] }]\n")));
    assertEquals("file", body("shop"));
    assertEquals(List.of("shop", "extra"), store.current().routes().stream().map(Route::name).toList());
    assertEquals("http:cp", store.serving().provenance().get("routes/extra"));
    assertTrue(store.tracked("http:cp").warnings().contains("routes/shop is overridden by file:conf"));

    await(store.edit(OptionalLong.empty(), AdminPush.put(ObjectKind.ROUTES, "shop",
        "{\"name\": \"shop\", \"directResponse\": {\"status\": 200, \"body\": \"admin\"}}", Path.of("."))));
    assertEquals("admin", body("shop"));
    await(store.edit(OptionalLong.empty(), AdminPush.delete(ObjectKind.ROUTES, "shop")));
    assertEquals("file", body("shop"));
  }

  @Test
  void aBrokenSourceKeepsItsLastGoodFragmentAndOthersGoOn() {
    await(store.offer("file:conf", file(FILES)));
    await(store.offer("http:cp", fragment("routes: [{ name: cp, directResponse: { status: 200, body: one } }]\n")));
    ConfigStore.Outcome bad = await(store.offer("http:cp", fragment("routes: [{ name: cp, timeout: -1s, directResponse: { status: 200 } }]\n")));
    assertEquals("cp.yaml:1", assertInstanceOf(ConfigStore.Outcome.Rejected.class, bad).errors().get(0).origin().toString());
    assertTrue(store.tracked("http:cp").lastError().orElseThrow().contains("timeout: \"-1s\" is not a duration"));
    assertEquals("one", body("cp"));
    await(store.offer("file:conf", file(FILES.replace("body: file", "body: file2"))));
    assertEquals("file2", body("shop"));
    assertEquals("one", body("cp"));
  }

  @Test
  void sourcesOfTheSameRankMustNotDefineTheSameName() {
    await(store.offer("kubernetes:a", fragment("routes: [{ name: r, directResponse: { status: 200, body: a } }]\n")));
    ConfigStore.Outcome clash = await(store.offer("kubernetes:b", fragment("routes: [{ name: r, directResponse: { status: 200, body: b } }]\n")));
    String error = assertInstanceOf(ConfigStore.Outcome.Rejected.class, clash).errors().get(0).toString();
    assertEquals("kubernetes:b:routes/r:0: routes/r is defined by both kubernetes:a and kubernetes:b, sources of the same"
        + " precedence (rename or remove it in one of them)", error);
    assertEquals("a", body("r"));
  }

  @Test
  void aMergedConfigIsCheckedWhole() {
    await(store.offer("file:conf", file(FILES)));
    ConfigStore.Outcome dangling = await(store.edit(OptionalLong.empty(), AdminPush.put(ObjectKind.ROUTES, "x",
        "{\n  \"name\": \"x\",\n  \"backends\": [{\"upstream\": \"nope\"}]\n}", Path.of("."))));
    String error = assertInstanceOf(ConfigStore.Outcome.Rejected.class, dangling).errors().get(0).toString();
    assertTrue(error.startsWith("admin:routes/x:0: route \"x\": backends.upstream: upstream \"nope\" is not defined"), error);
    ConfigStore.Outcome deleteUsed = await(store.offer("file:conf", file("routes: [{ name: shop, directResponse: { status: 200 } }]\n")));
    assertInstanceOf(ConfigStore.Outcome.Installed.class, deleteUsed);
    assertEquals(2, store.version());
  }

  @Test
  void ifMatchLetsOnlyTheWriterWhoSawTheVersionWin() {
    await(store.offer("file:conf", file(FILES)));
    OptionalLong seen = OptionalLong.of(store.version());
    ConfigStore.Outcome first = await(store.edit(seen, AdminPush.put(ObjectKind.ROUTES, "a",
        "{\"name\": \"a\", \"directResponse\": {\"status\": 200}}", Path.of("."))));
    ConfigStore.Outcome second = await(store.edit(seen, AdminPush.put(ObjectKind.ROUTES, "b",
        "{\"name\": \"b\", \"directResponse\": {\"status\": 200}}", Path.of("."))));
    assertInstanceOf(ConfigStore.Outcome.Installed.class, first);
    assertEquals(new ConfigStore.Outcome.Conflict(1, 2, second.at()), second);
  }

  @Test
  void historyKeepsTwentyVersionsAndRollbackReinstallsOneAsANewVersion() {
    for (int i = 1; i <= 25; i++) {
      await(store.offer("file:conf", file(FILES.replace("body: file", "body: v" + i))));
    }
    List<ConfigVersion> history = store.history();
    assertEquals(20, history.size());
    assertEquals(6, history.get(0).version());
    assertInstanceOf(ConfigStore.Outcome.Rejected.class, await(store.rollback(3, OptionalLong.empty())));
    ConfigStore.Outcome back = await(store.rollback(10, OptionalLong.empty()));
    assertEquals(26, assertInstanceOf(ConfigStore.Outcome.Installed.class, back).version());
    assertEquals("v10", body("shop"));
    assertEquals("admin:rollback/10", store.serving().source());
    await(store.offer("file:conf", file(FILES.replace("body: file", "body: after"))));
    assertEquals("after", body("shop"));
  }

  @Test
  void overlaysJoinEveryMergeAndAreCheckedWithIt() {
    GatewayConfig[] add = {GatewayConfig.EMPTY};
    store.addOverlay(result -> {
      GatewayConfig base = ((LoadResult.Loaded) result).config();
      List<Route> routes = new ArrayList<>(base.routes());
      routes.addAll(add[0].routes());
      return new LoadResult.Loaded(ObjectKind.ROUTES.with(base, routes));
    });
    add[0] = ((LoadResult.Loaded) fragment("routes: [{ name: mesh, backends: [{ upstream: u }] }]\n").get()).config();
    await(store.offer("file:conf", file(FILES)));
    assertEquals(List.of("shop", "mesh"), store.current().routes().stream().map(Route::name).toList());
    assertEquals("overlay", store.serving().provenance().get("routes/mesh"));
    ConfigStore.Outcome dangling = await(store.offer("file:conf", file("routes: [{ name: shop, directResponse: { status: 200 } }]\n")));
    assertEquals("overlay:routes/mesh:0", assertInstanceOf(ConfigStore.Outcome.Rejected.class, dangling).errors().get(0).origin().toString());
    assertEquals(1, store.version());
  }
}
