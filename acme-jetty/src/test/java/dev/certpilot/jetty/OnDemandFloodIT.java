package dev.certpilot.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.OnDemandTls;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;

/**
 * A flood of handshakes that wait for on-demand certificates (their decision never comes) on a real Jetty connector
 * with Jetty's default thread pool, against a real Pebble: a managed name keeps being served throughout, and the
 * server's threads stay bounded. Real time is the point here: the latencies are measured, with a wide margin.
 */
class OnDemandFloodIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    private static final int ONE_NAME = 400;
    private static final int OTHER_NAMES = 8;
    private static final int PER_OTHER_NAME = 50;

    @TempDir
    Path storage;

    private final CountDownLatch decide = new CountDownLatch(1);
    private Server server;
    private CertificateManager manager;
    private ExecutorService flood;

    @AfterEach
    void stop() throws Exception {
        // the decisions stay pending: closing the manager interrupts them, so that nothing is ordered or written
        // while the temporary directory is deleted
        if (flood != null) {
            flood.shutdownNow();
        }
        if (server != null) {
            server.stop();
        }
        if (manager != null) {
            manager.close();
        }
    }

    /**
     * Threads of this JVM parked now on an on-demand certificate: inside the issuer's wait and blocked on the
     * certificate's future (a handshake being refused passes through the same method, and is not parked).
     */
    private static int waitingForOnDemand() {
        var count = 0;
        for (var thread : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
            var onFuture = false;
            for (var frame : thread.getStackTrace()) {
                onFuture |= frame.getClassName().equals("java.util.concurrent.CompletableFuture");
                if (frame.getClassName().endsWith("OnDemandIssuer") && frame.getMethodName().equals("await")) {
                    count += onFuture ? 1 : 0;
                    break;
                }
            }
        }
        return count;
    }

    @Test
    void aFloodOfWaitingHandshakesHoldsABoundedNumberOfThreadsAndAManagedNameIsServedWithinASecond(Pebble pebble)
            throws Exception {
        var asked = new AtomicInteger();
        var http01 = new InMemoryHttp01Responder();
        manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService()
                .storageDirectory(storage)
                .domain("static.test")
                .challenges(http01)
                .onDemand(OnDemandTls.allowedBy(name -> {
                    asked.incrementAndGet();
                    decide.await(); // an ask endpoint that never answers
                    return true;
                }))
                .build();
        server = new Server(); // Jetty's default pool: at most 200 threads
        var https = JettyHttps.builder(manager).http01(http01).host("127.0.0.1").httpPort(pebble.httpPort())
                .httpsPort(0).install(server, new App());
        server.start();
        manager.start();
        manager.awaitCertificates(Duration.ofSeconds(60));
        var port = https.httpsConnector().getLocalPort();
        var context = TlsClient.trusting(pebble.root());
        var threads = (QueuedThreadPool) server.getThreadPool();

        // two waves, as an attacker who needs nothing but SNI would send them: 400 handshakes for one name, then
        // 50 for each of 8 more names; each client holds its connection (waiting, or refused at once and idle)
        var clients = ONE_NAME + OTHER_NAMES * PER_OTHER_NAME;
        flood = Executors.newFixedThreadPool(clients);
        var answered = new AtomicInteger();
        var hold = new CountDownLatch(1);
        for (int i = 0; i < clients; i++) {
            var name = i < ONE_NAME ? "wanted.flood.test" : "other" + (i % OTHER_NAMES) + ".flood.test";
            var wave = i < ONE_NAME ? 0 : 3000;
            flood.execute(() -> {
                try {
                    Thread.sleep(wave);
                    try (var client = TlsClient.connect(context, port, name, socket -> { })) {
                        answered.incrementAndGet();
                        hold.await();
                    }
                } catch (Exception refusedOrCut) {
                    answered.incrementAndGet(); // refused at once (the default certificate) or cut by a deadline
                }
            });
        }

        var latencies = new ArrayList<Long>();
        var busiest = 0;
        var parked = 0;
        var deadline = System.nanoTime() + Duration.ofSeconds(14).toNanos(); // past the 10 s handshake timeout
        while (System.nanoTime() < deadline) {
            var started = System.nanoTime();
            try (var client = TlsClient.connect(context, port, "static.test")) {
                assertThat(client.get("static.test", "/ok")).isEqualTo("app /ok");
            }
            latencies.add(System.nanoTime() - started);
            busiest = Math.max(busiest, threads.getBusyThreads());
            parked = Math.max(parked, waitingForOnDemand());
            Thread.sleep(50);
        }
        var answeredInTime = answered.get();
        hold.countDown();

        Collections.sort(latencies);
        var p99 = Duration.ofNanos(latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1));
        assertThat(latencies).as("requests to the managed name during the flood").hasSizeGreaterThan(50);
        assertThat(p99).as("p99 of %s requests to the managed name during the flood", latencies.size())
                .isLessThan(Duration.ofSeconds(1));
        assertThat(answeredInTime).as("the flood's handshakes were all answered: refused at once or after the "
                + "handshake timeout").isEqualTo(clients);
        var onDemand = manager.onDemandTls().orElseThrow();
        assertThat(parked).as("server threads parked waiting for an on-demand certificate, at most")
                .isPositive().isLessThanOrEqualTo(onDemand.maxWaitingHandshakes());
        assertThat(busiest).as("Jetty's busiest moment, against its %s threads", threads.getMaxThreads())
                .isLessThan(threads.getMaxThreads());
        System.out.printf("flood: p99 %s over %d requests, at most %d threads parked, %d busy%n", p99,
                latencies.size(), parked, busiest);
        assertThat(asked.get()).as("each flooded name asked once").isEqualTo(1 + OTHER_NAMES);
    }
}
