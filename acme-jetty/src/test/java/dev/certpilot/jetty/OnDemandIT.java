package dev.certpilot.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.CertificateManagerBuilder;
import dev.certpilot.core.FileCertificateStore;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.InMemoryTlsAlpn01Responder;
import dev.certpilot.core.OnDemandDecision;
import dev.certpilot.core.OnDemandTls;
import dev.certpilot.test.Curl;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;

/**
 * On-demand TLS on a real Jetty against a real Pebble: certificates obtained while the first handshake waits,
 * through HTTP-01 and through TLS-ALPN-01 on the same connector, checked with curl and the JDK's TLS client.
 */
class OnDemandIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    @TempDir
    Path storage;

    private final List<Server> servers = new ArrayList<>();
    private final List<CertificateManager> managers = new ArrayList<>();
    private final List<CertificateEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (var server : servers) {
            server.stop();
        }
        managers.forEach(CertificateManager::close);
    }

    private CertificateManagerBuilder manager(Pebble pebble, OnDemandTls onDemand) {
        return CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService()
                .storageDirectory(storage)
                .issuanceTimeout(Duration.ofSeconds(30))
                .listener(events::add)
                .onDemand(onDemand);
    }

    /** Serves {@code builder}'s manager with HTTP-01 on Pebble's HTTP port and HTTPS on a free port. */
    private int serveWithHttp01(Pebble pebble, CertificateManagerBuilder builder) throws Exception {
        var http01 = new InMemoryHttp01Responder();
        var manager = builder.challenges(http01).build();
        managers.add(manager);
        var server = new Server();
        servers.add(server);
        var https = JettyHttps.builder(manager).http01(http01).host("127.0.0.1").httpPort(pebble.httpPort())
                .httpsPort(0).install(server, new App());
        server.start();
        manager.start();
        return https.httpsConnector().getLocalPort();
    }

    private long orders() {
        return events.stream().filter(CertificateEvent.Obtaining.class::isInstance).count();
    }

    private static SSLContext trust(Pebble pebble) throws Exception {
        return TlsClient.trusting(pebble.root());
    }

    @Test
    void anAllowedNameIsIssuedDuringItsFirstHandshakeThroughHttp01AndServedAfterARestartWithoutAnOrder(Pebble pebble)
            throws Exception {
        var onDemand = OnDemandTls.allowedBy(OnDemandDecision.suffixes(".customers.test"));
        var port = serveWithHttp01(pebble, manager(pebble, onDemand));

        var response = Curl.get(URI.create("https://shop.customers.test:" + port + "/cart"), pebble.rootFile());
        assertThat(response.exitCode()).as(response.error()).isZero();
        assertThat(response.httpVersion()).as("curl negotiated HTTP/2 by ALPN").isEqualTo("2");
        assertThat(response.body()).isEqualTo("app /cart");
        assertThat(orders()).isEqualTo(1);
        var first = managers.get(0).certificate("shop.customers.test").orElseThrow();
        assertThat(new FileCertificateStore(storage).load("shop.customers.test")).as("stored")
                .hasValueSatisfying(b -> assertThat(b.serialNumber()).isEqualTo(first.serialNumber()));
        assertThat(managers.get(0).status()).singleElement()
                .satisfies(s -> assertThat(s.nextCheck()).as("renewed like any other").isNotNull());

        stop();
        servers.clear();
        managers.clear();
        events.clear();
        var restarted = serveWithHttp01(pebble, manager(pebble, onDemand));
        try (var client = TlsClient.connect(trust(pebble), restarted, "shop.customers.test")) {
            assertThat(client.leaf().getSerialNumber()).isEqualTo(first.serialNumber());
        }
        assertThat(orders()).as("served from the store after a restart").isZero();
    }

    @Test
    void onDemandThroughTlsAlpn01OnTheConnectorWhoseHandshakeWaits(Pebble pebble) throws Exception {
        var tlsAlpn = new InMemoryTlsAlpn01Responder();
        var manager = manager(pebble, OnDemandTls.allowedBy(OnDemandDecision.names("alpn.customers.test")))
                .challenges(tlsAlpn).build();
        managers.add(manager);
        var server = new Server();
        servers.add(server);
        JettyHttps.builder(manager).host("127.0.0.1").httpsPort(pebble.tlsPort()).install(server, new App());
        server.start();
        manager.start();

        var response = Curl.get(URI.create("https://alpn.customers.test:" + pebble.tlsPort() + "/"), pebble.rootFile());
        assertThat(response.exitCode()).as(response.error()).isZero();
        assertThat(response.body()).isEqualTo("app /");
        assertThat(orders()).isEqualTo(1);
        assertThat(tlsAlpn.pendingCount()).as("validation certificate removed").isZero();
        var denied = Curl.get(URI.create("https://other.customers.test:" + pebble.tlsPort() + "/"), pebble.rootFile());
        assertThat(denied.exitCode()).as("a name the decision does not allow gets no certificate: %s", denied.error())
                .isNotZero();
        assertThat(orders()).isEqualTo(1);
    }

    @Test
    void fiftyConcurrentFirstHandshakesForOneNewNameMakeOneOrder(Pebble pebble) throws Exception {
        // all fifty may wait for the one order (the bound on waiting handshakes has its own test, OnDemandFloodIT)
        var port = serveWithHttp01(pebble, manager(pebble, OnDemandTls.builder(OnDemandDecision.suffixes(
                ".customers.test")).maxWaitingHandshakes(64, 64).build()));
        var context = trust(pebble);
        var ordersAtCa = ordersCreatedBy(pebble);
        var start = new CountDownLatch(1);
        var pool = Executors.newFixedThreadPool(50);
        try {
            var serials = new ArrayList<Future<BigInteger>>();
            for (int i = 0; i < 50; i++) {
                serials.add(pool.submit(() -> {
                    start.await();
                    try (var client = TlsClient.connect(context, port, "busy.customers.test")) {
                        return client.leaf().getSerialNumber();
                    }
                }));
            }
            start.countDown();
            var seen = ConcurrentHashMap.<BigInteger>newKeySet();
            for (var serial : serials) {
                seen.add(serial.get(60, TimeUnit.SECONDS));
            }
            assertThat(seen).as("every handshake got the one certificate").hasSize(1);
            assertThat(orders()).isEqualTo(1);
            assertThat(ordersCreatedBy(pebble) - ordersAtCa).as("one new order at the CA").isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Orders Pebble created, from its log. Not its "POST /order-plz" lines: Pebble rejects 5% of nonces by default,
     * and acme4j posts again after a rejected nonce, so one order can take two requests.
     */
    private static long ordersCreatedBy(Pebble pebble) {
        return pebble.log().lines().filter(line -> line.contains("Added order")).count();
    }

    @Test
    void aThousandHandshakesForRandomNamesUnderADenyingDecisionMakeNoOrderAndLeaveTheHeapFlat(Pebble pebble)
            throws Exception {
        var asked = new AtomicInteger();
        var port = serveWithHttp01(pebble, manager(pebble, OnDemandTls.allowedBy(name -> {
            asked.incrementAndGet();
            return false;
        })));
        var context = trust(pebble);
        handshakes(context, port, 200); // warm up
        var before = usedHeapAfterGc();

        var slowest = handshakes(context, port, 1000);

        var after = usedHeapAfterGc();
        assertThat(orders()).isZero();
        assertThat(asked.get()).as("each name asked once").isBetween(1000, 1200);
        assertThat(slowest).as("refused at once, not after the handshake timeout").isLessThan(Duration.ofSeconds(10));
        assertThat(after - before).as("heap growth over 1,000 refused names, bytes").isLessThan(4 << 20);
    }

    /** Runs {@code count} handshakes for random names, 8 at a time, each refused; returns the slowest. */
    private static Duration handshakes(SSLContext context, int port, int count) throws Exception {
        var pool = Executors.newFixedThreadPool(8);
        try {
            var results = new ArrayList<Future<Duration>>();
            for (int i = 0; i < count; i++) {
                results.add(pool.submit(() -> {
                    var name = UUID.randomUUID().toString().substring(0, 12) + ".random.test";
                    var started = System.nanoTime();
                    assertThatThrownBy(() -> TlsClient.connect(context, port, name).close())
                            .isInstanceOf(SSLException.class);
                    return Duration.ofNanos(System.nanoTime() - started);
                }));
            }
            var slowest = Duration.ZERO;
            for (var result : results) {
                var took = result.get(60, TimeUnit.SECONDS);
                slowest = took.compareTo(slowest) > 0 ? took : slowest;
            }
            return slowest;
        } finally {
            pool.shutdownNow();
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    @Test
    void anAskEndpointAllowsWith200AndDeniesOtherwiseAndAnEndpointThatIsDownDenies(Pebble pebble) throws Exception {
        var ask = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        var asked = new CopyOnWriteArrayList<String>();
        ask.createContext("/allowed", exchange -> {
            var query = exchange.getRequestURI().getRawQuery();
            asked.add(query);
            exchange.sendResponseHeaders(query.equals("domain=yes.customers.test") ? 200 : 403, -1);
            exchange.close();
        });
        ask.start();
        int closedPort;
        try (var socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try {
            var decision = OnDemandDecision.ask(URI.create("http://127.0.0.1:" + ask.getAddress().getPort()
                    + "/allowed"));
            var port = serveWithHttp01(pebble, manager(pebble, OnDemandTls.allowedBy(decision)));
            var context = trust(pebble);

            try (var client = TlsClient.connect(context, port, "yes.customers.test")) {
                assertThat(client.get("yes.customers.test", "/")).isEqualTo("app /");
            }
            assertThatThrownBy(() -> TlsClient.connect(context, port, "no.customers.test"))
                    .isInstanceOf(SSLException.class);
            assertThat(asked).containsExactly("domain=yes.customers.test", "domain=no.customers.test");
            assertThat(orders()).isEqualTo(1);

            var down = OnDemandDecision.ask(URI.create("http://127.0.0.1:" + closedPort + "/allowed"));
            var other = serveWithHttp01Elsewhere(pebble, down);
            var started = System.nanoTime();
            assertThatThrownBy(() -> TlsClient.connect(context, other, "down.customers.test"))
                    .isInstanceOf(SSLException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("denied as soon as the connection is refused")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(orders()).as("no order while the endpoint is down").isEqualTo(1);
        } finally {
            ask.stop(0);
        }
    }

    /** A second manager and server with their own storage, HTTPS only (no order can succeed). */
    private int serveWithHttp01Elsewhere(Pebble pebble, OnDemandDecision decision) throws Exception {
        var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService()
                .storageDirectory(storage.resolve("elsewhere"))
                .listener(events::add)
                .onDemand(OnDemandTls.allowedBy(decision))
                .challenges(new InMemoryHttp01Responder())
                .build();
        managers.add(manager);
        var server = new Server();
        servers.add(server);
        var https = JettyHttps.builder(manager).host("127.0.0.1").httpsPort(0).install(server, new App());
        server.start();
        manager.start();
        return https.httpsConnector().getLocalPort();
    }

    @Test
    void onDemandNeedsADecision() {
        assertThatThrownBy(() -> OnDemandTls.allowedBy(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("an open one would let anyone make the server order certificates");
        assertThatThrownBy(() -> OnDemandDecision.suffixes("customers.test"))
                .hasMessageContaining("must start with a dot");
        assertThatThrownBy(() -> OnDemandDecision.ask(URI.create("/relative")))
                .hasMessageContaining("absolute http:// or https:// URI");
    }
}
