package dev.certpilot.benchmarks;

import java.nio.file.Files;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import javax.net.ssl.SSLContext;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.AcmeJsonResource;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.jetty.AcmeChallengeHandler;
import dev.certpilot.test.Pebble;

/**
 * Time to a certificate against a local Pebble (no validation sleep, no authorization reuse, no bad-nonce
 * injection), HTTP-01 answered by Jetty: certpilot warm in-process ({@code renewNow}, a full order each time)
 * against the minimal acme4j flow a user would write, same Pebble, same Jetty, same polling start; and 100
 * certificates in parallel from one manager.
 */
final class IssuanceBenchmark {

    private static final int WARM_UP = 5;
    private static final int MEASURED = 20;

    private IssuanceBenchmark() {
    }

    static void run(Table table) throws Exception {
        try (var pebble = Pebble.builder().nonceRejectPercent(0).authorizationReusePercent(0).start()) {
            var http01 = new InMemoryHttp01Responder();
            var server = new Server();
            var connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(pebble.httpPort());
            server.addConnector(connector);
            server.setHandler(new AcmeChallengeHandler(http01, 0, null, new Handler.Abstract() {
                @Override
                public boolean handle(org.eclipse.jetty.server.Request request,
                        org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback) {
                    return false;
                }
            }));
            server.start();
            try {
                var raw = rawAcme4j(pebble, http01);
                var certpilot = certpilot(pebble, http01);
                table.add("time to a certificate, in-process warm (median of " + MEASURED + ")", Table.ms(certpilot),
                        Table.ms(raw) + " minimal acme4j flow", Table.ratio(certpilot, raw), "<= 150 ms");
                for (var concurrency : List.of(4, 8)) {
                    var seconds = parallel(pebble, http01, 100, concurrency);
                    table.add("100 certificates in parallel, concurrentOrders(" + concurrency + ")",
                            String.format("%.1f s", seconds), String.format("%.1f s = 100 x warm median",
                                    100 * certpilot / 1000), Table.ratio(seconds * 1000, 100 * certpilot), "<= 10 s");
                }
            } finally {
                server.stop();
            }
        }
    }

    private static double certpilot(Pebble pebble, InMemoryHttp01Responder http01) throws Exception {
        try (var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService().domain("warm.bench.test").challenges(http01)
                .storageDirectory(Files.createTempDirectory("certpilot-bench-issuance")).build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(60));
            var samples = new ArrayList<Double>();
            for (int i = 0; i < WARM_UP + MEASURED; i++) {
                var start = System.nanoTime();
                manager.renewNow("warm.bench.test");
                if (i >= WARM_UP) {
                    samples.add((System.nanoTime() - start) / 1e6);
                }
            }
            return Stats.median(samples);
        }
    }

    /** The plain acme4j flow: order, HTTP-01, finalize, download; polling from 10 ms, doubling. */
    private static double rawAcme4j(Pebble pebble, InMemoryHttp01Responder http01) throws Exception {
        var previous = SSLContext.getDefault();
        SSLContext.setDefault(pebble.sslContext());
        try {
            var session = new Session(pebble.directory());
            var accountKey = ecKey();
            var login = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey).createLogin(session);
            var samples = new ArrayList<Double>();
            for (int i = 0; i < WARM_UP + MEASURED; i++) {
                var start = System.nanoTime();
                issueRaw(login, http01, "raw.bench.test");
                if (i >= WARM_UP) {
                    samples.add((System.nanoTime() - start) / 1e6);
                }
            }
            return Stats.median(samples);
        } finally {
            SSLContext.setDefault(previous);
        }
    }

    private static void issueRaw(Login login, InMemoryHttp01Responder http01, String domain) throws Exception {
        var order = login.newOrder().domain(domain).create();
        for (var authorization : order.getAuthorizations()) {
            if (authorization.getStatus() == Status.VALID) {
                continue; // reused by the CA, as certpilot also skips it
            }
            var challenge = authorization.findChallenge(Http01Challenge.class).orElseThrow();
            http01.deploy(domain, challenge.getToken(), challenge.getAuthorization());
            challenge.trigger();
            await(authorization, EnumSet.of(Status.VALID, Status.INVALID));
            http01.remove(domain, challenge.getToken());
        }
        await(order, EnumSet.of(Status.READY, Status.INVALID));
        order.execute(ecKey());
        await(order, EnumSet.of(Status.VALID, Status.INVALID));
        if (order.getCertificate().getCertificateChain().isEmpty()) {
            throw new IllegalStateException("no chain");
        }
    }

    private static void await(AcmeJsonResource resource, EnumSet<Status> done) throws Exception {
        for (long pause = 10; ; pause = Math.min(pause * 2, 1000)) {
            resource.fetch();
            var status = Status.parse(resource.getJSON().get("status").asString());
            if (done.contains(status)) {
                return;
            }
            Thread.sleep(pause);
        }
    }

    private static double parallel(Pebble pebble, InMemoryHttp01Responder http01, int count, int concurrency)
            throws Exception {
        var builder = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService().challenges(http01).concurrentOrders(concurrency)
                .storageDirectory(Files.createTempDirectory("certpilot-bench-parallel"));
        for (int i = 0; i < count; i++) {
            builder.domain("p" + i + "-c" + concurrency + ".bench.test");
        }
        try (var manager = builder.build()) {
            var start = System.nanoTime();
            manager.start();
            manager.awaitCertificates(Duration.ofMinutes(5));
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static KeyPair ecKey() throws Exception {
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }
}
