package dev.certpilot.benchmarks;

import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.server.Server;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryTlsAlpn01Responder;
import dev.certpilot.jetty.JettyHttps;
import dev.certpilot.test.Pebble;

/**
 * Fresh handshakes plus a request, from a load generator, while the manager renews the served certificate 100
 * times in a row (each a full order against Pebble, TLS-ALPN-01 on the same connector, then an in-place reload):
 * failures, and p99 latency against the same load without renewals, measured before and after.
 */
final class SwapBenchmark {

    private static final int RENEWALS = 100;
    private static final int THREADS = 4;

    private SwapBenchmark() {
    }

    static void run(Table table) throws Exception {
        try (var pebble = Pebble.builder().nonceRejectPercent(0).start()) {
            var tlsAlpn = new InMemoryTlsAlpn01Responder();
            var manager = CertificateManager.builder()
                    .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                            .withTrustedCertificates(pebble.listenerCa()))
                    .agreeToTermsOfService().domain("swap.bench.test").challenges(tlsAlpn)
                    .storageDirectory(Files.createTempDirectory("certpilot-bench-swap")).build();
            var server = new Server();
            JettyHttps.builder(manager).host("127.0.0.1").httpsPort(pebble.tlsPort())
                    .install(server, new org.eclipse.jetty.server.Handler.Abstract() {
                        @Override
                        public boolean handle(org.eclipse.jetty.server.Request request,
                                org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback) {
                            response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONTENT_LENGTH, 2);
                            response.write(true, java.nio.ByteBuffer.wrap(new byte[] {'o', 'k'}), callback);
                            return true;
                        }
                    });
            server.start();
            try {
                manager.start();
                manager.awaitCertificates(Duration.ofSeconds(60));
                var client = new LoadClient();
                var port = pebble.tlsPort();
                client.run(port, THREADS, Duration.ofSeconds(3), n -> "swap.bench.test", true); // warm-up

                var quietBefore = client.run(port, THREADS, Duration.ofSeconds(8), n -> "swap.bench.test", true);
                var renewalTime = new AtomicReference<Duration>();
                var renewer = new Thread(() -> {
                    var start = System.nanoTime();
                    for (int i = 0; i < RENEWALS; i++) {
                        manager.renewNow("swap.bench.test");
                    }
                    renewalTime.set(Duration.ofNanos(System.nanoTime() - start));
                });
                // load for exactly as long as the renewals take: start both, stop the load when renewals end
                var during = loadWhile(client, port, renewer);
                var quietAfter = client.run(port, THREADS, Duration.ofSeconds(8), n -> "swap.bench.test", true);

                var quiet = new java.util.ArrayList<Long>(quietBefore.latenciesMicros());
                quiet.addAll(quietAfter.latenciesMicros());
                var p99Quiet = Stats.percentile(quiet, 99) / 1000;
                var p99Swap = Stats.percentile(during.latenciesMicros(), 99) / 1000;
                table.add(RENEWALS + " renewals under load (" + renewalTime.get().toSeconds() + " s): failures",
                        during.failures() + " of " + (during.operations() + during.failures()), "-", "-", "0");
                table.add("p99 handshake + request latency during renewals", Table.ms(p99Swap),
                        Table.ms(p99Quiet) + " same load, no renewals", Table.ratio(p99Swap, p99Quiet), "<= 1.10");
            } finally {
                server.stop();
                manager.close();
            }
        }
    }

    /** Starts {@code work} and runs the load until it has finished. */
    private static LoadClient.Result loadWhile(LoadClient client, int port, Thread work) throws Exception {
        work.start();
        return client.run(port, THREADS, () -> !work.isAlive(), n -> "swap.bench.test", true);
    }
}
