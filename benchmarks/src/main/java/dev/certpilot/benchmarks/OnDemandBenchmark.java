package dev.certpilot.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpServer;

import org.eclipse.jetty.server.Server;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.InMemoryTlsAlpn01Responder;
import dev.certpilot.core.OnDemandDecision;
import dev.certpilot.core.OnDemandTls;
import dev.certpilot.jetty.JettyHttps;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.TlsClient;

/**
 * On-demand TLS beside Caddy's (Debian's {@code caddy}, CertMagic inside) on one Pebble: the time from a client's
 * connect to a completed, verified handshake for a name that has no certificate yet, which the server obtains while
 * the handshake waits. Both servers ask the same "ask" endpoint, listen on Pebble's validation ports and answer
 * one challenge type at a time; they take turns in rounds (a fresh server and storage each, warmed by one name
 * that is not timed), alternating which goes first.
 */
final class OnDemandBenchmark {

    private static final int ROUNDS = 4;
    private static final int NAMES_PER_ROUND = 5;
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);

    /** One of the two servers under test, started fresh for each round. */
    private interface Contender {
        AutoCloseable start(Pebble pebble, Challenge challenge, URI ask, Path storage) throws Exception;
    }

    private OnDemandBenchmark() {
    }

    static void run(Table table) throws Exception {
        var caddy = Caddy.executable();
        var ask = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        ask.createContext("/check", exchange -> {
            var query = exchange.getRequestURI().getQuery();
            var allowed = query != null && query.startsWith("domain=") && query.endsWith(".ondemand.test");
            exchange.sendResponseHeaders(allowed ? 200 : 403, -1);
            exchange.close();
        });
        ask.start();
        var askUri = URI.create("http://127.0.0.1:" + ask.getAddress().getPort() + "/check");
        try (var pebble = Pebble.builder().nonceRejectPercent(0).authorizationReusePercent(0).start()) {
            var trust = TlsClient.trusting(pebble.root());
            for (var challenge : Challenge.values()) {
                var ours = new ArrayList<Double>();
                var theirs = new ArrayList<Double>();
                for (int round = 0; round < ROUNDS; round++) {
                    var storage = Files.createTempDirectory("certpilot-bench-ondemand");
                    try {
                        var first = round % 2 == 0;
                        for (var certpilot : first ? List.of(true, false) : List.of(false, true)) {
                            var contender = certpilot ? (Contender) OnDemandBenchmark::certpilot
                                    : (Contender) (p, c, a, s) -> caddy(caddy, p, c, a, s);
                            var label = (certpilot ? "certpilot" : "caddy") + round;
                            var names = label + "-" + challenge.flag;
                            (certpilot ? ours : theirs).addAll(round(contender, pebble, challenge, askUri,
                                    storage.resolve(label), trust, names));
                        }
                    } finally {
                        ScaleBenchmark.delete(storage);
                    }
                }
                var mine = Stats.median(ours);
                var caddys = Stats.median(theirs);
                System.out.printf("  (%s: certpilot %s; Caddy %s ms)%n", challenge.label, rounded(ours),
                        rounded(theirs));
                table.add("on-demand first handshake for a new name, " + challenge.label + " (median of "
                        + ours.size() + ")", Table.ms(mine), Table.ms(caddys) + " Caddy 2.6 on-demand",
                        Table.ratio(mine, caddys), "<= 1.00 (no slower than Caddy)");
            }
        } finally {
            ask.stop(0);
        }
    }

    /** Starts {@code contender}, warms it with one name, times {@link #NAMES_PER_ROUND} new names, stops it. */
    private static List<Double> round(Contender contender, Pebble pebble, Challenge challenge, URI ask, Path storage,
            SSLContext trust, String label) throws Exception {
        Files.createDirectories(storage);
        var times = new ArrayList<Double>();
        try (var server = contender.start(pebble, challenge, ask, storage)) {
            awaitListening(pebble.tlsPort());
            firstHandshake(trust, pebble.tlsPort(), "warm-" + label + ".ondemand.test");
            for (int i = 0; i < NAMES_PER_ROUND; i++) {
                times.add(firstHandshake(trust, pebble.tlsPort(), "n" + i + "-" + label + ".ondemand.test"));
            }
        }
        return times;
    }

    /** Milliseconds from connect to a verified handshake for {@code name}. */
    private static double firstHandshake(SSLContext trust, int port, String name) throws IOException {
        var start = System.nanoTime();
        try (var client = TlsClient.connect(trust, port, name,
                socket -> setTimeout(socket, HANDSHAKE_TIMEOUT))) {
            var millis = (System.nanoTime() - start) / 1e6;
            if (!client.leaf().getSubjectX500Principal().getName().contains(name)
                    && client.leaf().getSubjectAlternativeNames().stream().noneMatch(n -> n.get(1).equals(name))) {
                throw new IllegalStateException("The server presented " + client.leaf().getSubjectX500Principal()
                        + " for " + name);
            }
            return millis;
        } catch (java.security.cert.CertificateParsingException e) {
            throw new IOException(e);
        }
    }

    private static void setTimeout(Socket socket, Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static AutoCloseable certpilot(Pebble pebble, Challenge challenge, URI ask, Path storage)
            throws Exception {
        var builder = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .email("ops@bench.test")
                .agreeToTermsOfService()
                .storageDirectory(storage)
                .onDemand(OnDemandTls.allowedBy(OnDemandDecision.ask(ask)));
        var http01 = new InMemoryHttp01Responder();
        var manager = builder.challenges(challenge == Challenge.HTTP_01 ? http01
                : new InMemoryTlsAlpn01Responder()).build();
        var server = new Server();
        var https = JettyHttps.builder(manager).host("127.0.0.1").httpsPort(pebble.tlsPort());
        if (challenge == Challenge.HTTP_01) {
            https.http01(http01).httpPort(pebble.httpPort());
        }
        https.install(server, Servers.okHandler());
        server.start();
        manager.start();
        return () -> {
            server.stop();
            manager.close();
        };
    }

    private static AutoCloseable caddy(Path caddy, Pebble pebble, Challenge challenge, URI ask, Path storage)
            throws Exception {
        var builder = Caddy.command(caddy, pebble, challenge, storage, List.of("  on_demand_tls {", "    ask " + ask,
                "  }"), List.of("https:// {", "  tls {", "    on_demand", "  }", "  respond \"ok\"", "}"));
        var log = storage.resolve("caddy.log");
        var process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return () -> {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            if (process.exitValue() != 0 && process.exitValue() != 143) {
                throw new IllegalStateException("caddy exited with " + process.exitValue() + ":\n"
                        + Files.readString(log));
            }
        };
    }

    private static void awaitListening(int port) throws Exception {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (var socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Nothing listens on port " + port + " after 20 s", e);
                }
                Thread.sleep(20);
            }
        }
    }

    private static String rounded(List<Double> millis) {
        return millis.stream().map(m -> String.format("%.0f", m)).toList().toString();
    }
}
