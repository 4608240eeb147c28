package io.gatehouse.gateway.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.vertx.core.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The production lookup against a real (tiny, local) DNS server: records' addresses and smallest TTL; hosts file first. */
class NettyDnsLookupTest {
  private EventLoopGroup group;
  private Channel server;
  private final AtomicInteger queries = new AtomicInteger();

  @BeforeEach
  void startDns() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    server = new Bootstrap().group(group).channel(NioDatagramChannel.class)
        .handler(new ChannelInitializer<NioDatagramChannel>() {
          @Override protected void initChannel(NioDatagramChannel ch) {
            ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(), new Answering());
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
  }

  /** api.dns.test: two A records (TTL 300 and 42); every other name and type: no records. */
  private final class Answering extends SimpleChannelInboundHandler<DatagramDnsQuery> {
    @Override protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
      queries.incrementAndGet();
      DnsQuestion question = query.recordAt(DnsSection.QUESTION);
      DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
      response.addRecord(DnsSection.QUESTION, question);
      boolean known = question.name().equals("api.dns.test.");
      if (known && question.type() == DnsRecordType.A) {
        response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, 300,
            Unpooled.wrappedBuffer(new byte[] {(byte) 203, 0, 113, 7})));
        response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, 42,
            Unpooled.wrappedBuffer(new byte[] {(byte) 203, 0, 113, 8})));
      }
      response.setCode(known ? DnsResponseCode.NOERROR : DnsResponseCode.NXDOMAIN);
      ctx.writeAndFlush(response);
    }
  }

  @AfterEach
  void stopDns() {
    server.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  private NettyDnsLookup lookup(Optional<Path> hosts) {
    return NettyDnsLookup.create(hosts, new SingletonDnsServerAddressStreamProvider((InetSocketAddress) server.localAddress()));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void answersWithEveryAddressAndTheSmallestTtl() throws Exception {
    try (NettyDnsLookup dns = lookup(Optional.empty())) {
      DnsLookup.Answer answer = await(dns.lookup("api.dns.test"));
      assertEquals(List.of(InetAddress.getByName("203.0.113.7"), InetAddress.getByName("203.0.113.8")),
          answer.addresses().stream().map(a -> {
            try {
              return InetAddress.getByAddress(a.getAddress());
            } catch (java.net.UnknownHostException e) {
              throw new AssertionError(e);
            }
          }).toList());
      assertEquals(Duration.ofSeconds(42), answer.ttl());
    }
  }

  @Test
  void anUnknownNameFails() {
    try (NettyDnsLookup dns = lookup(Optional.empty())) {
      assertTrue(dns.lookup("nx.dns.test").toCompletionStage().toCompletableFuture()
          .handle((ok, e) -> e != null).get(10, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theHostsFileAnswersFirstWithoutAQuery() throws Exception {
    Path hosts = Files.createTempFile("hosts", "");
    Files.writeString(hosts, "10.9.8.7 api.dns.test\n");
    try (NettyDnsLookup dns = lookup(Optional.of(hosts))) {
      DnsLookup.Answer answer = await(dns.lookup("api.dns.test"));
      assertEquals(List.of(InetAddress.getByName("10.9.8.7")), answer.addresses());
      assertEquals(NettyDnsLookup.HOSTS_TTL, answer.ttl());
      assertEquals(0, queries.get());
    }
  }

  @Test
  void theResolverAsksOncePerTtl() throws Exception {
    try (NettyDnsLookup dns = lookup(Optional.empty())) {
      EgressResolver resolver = EgressResolver.of(dns);
      await(resolver.resolve("api.dns.test"));
      int afterFirst = queries.get();
      await(resolver.resolve("api.dns.test"));
      assertEquals(afterFirst, queries.get(), "the second resolution within the TTL is served from the cache");
    }
  }
}
