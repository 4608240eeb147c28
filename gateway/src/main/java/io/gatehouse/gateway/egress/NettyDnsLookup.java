package io.gatehouse.gateway.egress;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.HostsFileEntriesProvider;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves with Netty's asynchronous DNS resolver (the system's name servers, A and AAAA, CNAMEs
 * followed) so the TTLs of the answers are known; names in the hosts file (the system's, or the
 * one given) are answered from it first, with {@link #HOSTS_TTL}. The resolver and its one I/O
 * thread are created on the first name the hosts file does not answer.
 */
final class NettyDnsLookup implements DnsLookup, AutoCloseable {
  /** How long a hosts-file answer is cached: the file changes rarely, and is re-read only on restart. */
  static final Duration HOSTS_TTL = Duration.ofSeconds(30);

  private final Map<String, List<InetAddress>> ipv4;
  private final Map<String, List<InetAddress>> ipv6;
  private final DnsServerAddressStreamProvider servers;
  private EventLoopGroup group;
  private DnsNameResolver resolver;

  private NettyDnsLookup(HostsFileEntriesProvider hosts, DnsServerAddressStreamProvider servers) {
    this.ipv4 = hosts.ipv4Entries();
    this.ipv6 = hosts.ipv6Entries();
    this.servers = servers;
  }

  /** Reads the hosts file (blocking: call at start-up, not on an event loop); DNS goes to the system's servers. */
  static NettyDnsLookup create(Optional<Path> hostsFile) {
    return create(hostsFile, DnsServerAddressStreamProviders.platformDefault());
  }

  /** As {@link #create(Optional)}, asking {@code servers}. */
  static NettyDnsLookup create(Optional<Path> hostsFile, DnsServerAddressStreamProvider servers) {
    try {
      HostsFileEntriesProvider hosts = hostsFile.isPresent()
          ? HostsFileEntriesProvider.parser().parse(hostsFile.get().toFile())
          : HostsFileEntriesProvider.parser().parseSilently();
      return new NettyDnsLookup(hosts, servers);
    } catch (IOException e) {
      throw new UncheckedIOException("hosts file " + hostsFile.get() + ": " + e.getMessage(), e);
    }
  }

  @Override public Future<Answer> lookup(String name) {
    List<InetAddress> fromHosts = new ArrayList<>(ipv4.getOrDefault(name, List.of()));
    fromHosts.addAll(ipv6.getOrDefault(name, List.of()));
    if (!fromHosts.isEmpty()) {
      return Future.succeededFuture(new Answer(fromHosts, HOSTS_TTL));
    }
    DnsNameResolver dns = resolver();
    Future<List<DnsRecord>> a = query(dns, name, DnsRecordType.A);
    Future<List<DnsRecord>> aaaa = query(dns, name, DnsRecordType.AAAA);
    return Future.join(a, aaaa).transform(ignored -> {
      List<InetAddress> addresses = new ArrayList<>();
      long ttl = Long.MAX_VALUE;
      for (Future<List<DnsRecord>> f : List.of(a, aaaa)) {
        if (f.failed()) {
          continue;
        }
        for (DnsRecord record : f.result()) {
          try {
            if (record instanceof DnsRawRecord raw
                && (record.type() == DnsRecordType.A || record.type() == DnsRecordType.AAAA)) {
              byte[] bytes = new byte[raw.content().readableBytes()];
              raw.content().getBytes(raw.content().readerIndex(), bytes);
              addresses.add(InetAddress.getByAddress(name, bytes));
              ttl = Math.min(ttl, record.timeToLive());
            }
          } catch (UnknownHostException e) {
            // a record of the wrong length: skip it
          } finally {
            ReferenceCountUtil.release(record);
          }
        }
      }
      if (addresses.isEmpty()) {
        return Future.failedFuture(new UnknownHostException(name + ": no A or AAAA records"));
      }
      return Future.succeededFuture(new Answer(addresses, Duration.ofSeconds(ttl)));
    });
  }

  private static Future<List<DnsRecord>> query(DnsNameResolver dns, String name, DnsRecordType type) {
    Promise<List<DnsRecord>> promise = Promise.promise();
    dns.resolveAll(new DefaultDnsQuestion(name, type)).addListener(f -> {
      if (f.isSuccess()) {
        @SuppressWarnings("unchecked") List<DnsRecord> records = (List<DnsRecord>) f.getNow();
        promise.complete(records);
      } else {
        promise.fail(f.cause());
      }
    });
    return promise.future();
  }

  private synchronized DnsNameResolver resolver() {
    if (resolver == null) {
      group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gatehouse-egress-dns", true), NioIoHandler.newFactory());
      // No cache here: EgressResolver keeps each answer for its TTL, in one place.
      resolver = new DnsNameResolverBuilder(group.next()).datagramChannelType(NioDatagramChannel.class)
          .nameServerProvider(servers).resolveCache(NoopDnsCache.INSTANCE).cnameCache(NoopDnsCnameCache.INSTANCE)
          .queryTimeoutMillis(5_000).build();
    }
    return resolver;
  }

  @Override public synchronized void close() {
    if (resolver != null) {
      resolver.close();
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
