package io.gatehouse.perf.bare;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lean hand-piped reverse proxy: HttpServer -> pooled keep-alive HttpClient, request and response
 * bodies streamed with {@code send(ReadStream)} / {@code pipeTo}, hop-by-hop headers dropped.
 *
 * <p>{@code PipedProxyMain PORT BACKEND_HOST BACKEND_PORT}
 */
public final class PipedProxyMain {

  private static final Set<String> HOP_BY_HOP = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
  static {
    HOP_BY_HOP.addAll(Set.of("connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
      "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host"));
  }

  public static void main(String[] args) {
    int[] p = Common.ports(args, "PipedProxyMain");
    int port = p[0], backendPort = p[1];
    String backendHost = args[1];
    Vertx vertx = Common.vertx();
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        HttpClient client = Common.client(vertx, backendHost, backendPort);
        return vertx.createHttpServer(Common.serverOptions(port))
          .requestHandler(req -> proxy(client, backendHost, backendPort, req))
          .listen();
      }
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        System.out.println("PipedProxyMain listening on 127.0.0.1:" + port + " -> " + backendHost + ":" + backendPort);
      } else {
        ar.cause().printStackTrace();
        System.exit(1);
      }
    });
  }

  private static void copyHeaders(MultiMap from, MultiMap to) {
    for (Map.Entry<String, String> h : from) {
      if (!HOP_BY_HOP.contains(h.getKey())) {
        to.add(h.getKey(), h.getValue());
      }
    }
  }

  private static void proxy(HttpClient client, String host, int port, HttpServerRequest sreq) {
    sreq.pause();
    HttpServerResponse sresp = sreq.response();
    RequestOptions ro = new RequestOptions()
      .setMethod(sreq.method())
      .setURI(sreq.uri())
      .setHost(host)
      .setPort(port);
    client.request(ro).onComplete(ar -> {
      if (ar.failed()) {
        sreq.resume();
        sresp.setStatusCode(502).end();
        return;
      }
      HttpClientRequest creq = ar.result();
      MultiMap sh = sreq.headers();
      copyHeaders(sh, creq.headers());
      creq.response().onComplete(rar -> {
        if (rar.failed()) {
          if (!sresp.headWritten()) {
            sresp.setStatusCode(502).end();
          } else {
            sresp.reset();
          }
          return;
        }
        HttpClientResponse cresp = rar.result();
        sresp.setStatusCode(cresp.statusCode());
        sresp.setStatusMessage(cresp.statusMessage());
        copyHeaders(cresp.headers(), sresp.headers());
        if (!cresp.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
          sresp.setChunked(true);
        }
        cresp.pipeTo(sresp);
      });
      String te = sh.get(HttpHeaders.TRANSFER_ENCODING);
      if (sh.contains(HttpHeaders.CONTENT_LENGTH)) {
        creq.send(sreq);                      // content-length already copied: stream the body as is
      } else if (te != null && te.toLowerCase().contains("chunked")) {
        creq.setChunked(true);
        creq.send(sreq);
      } else {
        sreq.resume();                        // no body (GET/HEAD): just end the backend request
        creq.end();
      }
    });
  }
}
