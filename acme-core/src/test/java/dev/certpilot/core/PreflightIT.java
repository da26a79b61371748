package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

import dev.certpilot.core.PreflightReport.Check;
import dev.certpilot.core.PreflightReport.Outcome;
import dev.certpilot.test.Bind;
import dev.certpilot.test.HAProxy;
import dev.certpilot.test.Http01Server;
import dev.certpilot.test.Pebble;

/**
 * The preflight against real parts: a BIND 9 that serves the names (and that Pebble resolves through), this process's
 * HTTP-01 server on Pebble's validation port at 127.0.0.1, and HAProxy at 127.0.0.2 redirecting to another host over
 * HTTPS, as a proxy in front often does. An AAAA record to an address where nothing listens, a CAA record that allows
 * another CA, and the redirecting proxy are each diagnosed with the fix and place no order (counted in Pebble's log);
 * the healthy name passes and is ordered.
 */
class PreflightIT {

    private static final String ZONE = "preflight.test";
    private static Bind bind;
    private static Pebble pebble;

    @TempDir
    Path storage;

    @BeforeAll
    static void startTheParts() throws Exception {
        bind = Bind.start(ZONE);
        pebble = Pebble.builder().dnsServer(bind.address()).nonceRejectPercent(0).start();
        update(Record.fromString(name("ok"), Type.A, DClass.IN, 60, "127.0.0.1", Name.root),
                Record.fromString(name("six"), Type.A, DClass.IN, 60, "127.0.0.1", Name.root),
                Record.fromString(name("six"), Type.AAAA, DClass.IN, 60, "::1", Name.root),
                Record.fromString(name("caa"), Type.A, DClass.IN, 60, "127.0.0.1", Name.root),
                Record.fromString(name("caa"), Type.CAA, DClass.IN, 60, "0 issue \"other-ca.example\"", Name.root),
                Record.fromString(name("proxied"), Type.A, DClass.IN, 60, "127.0.0.2", Name.root));
    }

    @AfterAll
    static void stopTheParts() {
        if (pebble != null) {
            pebble.close();
        }
        if (bind != null) {
            bind.close();
        }
    }

    private static Name name(String label) throws Exception {
        return Name.fromString(label + "." + ZONE + ".");
    }

    private static void update(Record... records) throws Exception {
        var update = new Update(Name.fromString(ZONE + "."));
        for (var record : records) {
            update.add(record);
        }
        var resolver = new SimpleResolver(bind.address());
        resolver.setTCP(true);
        resolver.setTSIGKey(new TSIG(TSIG.HMAC_SHA256, bind.keyName(), bind.keySecret()));
        assertThat(resolver.send(update).getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void eachMisconfigurationIsDiagnosedWithItsFixAndOrdersNothingWhileTheHealthyNameIsOrdered() throws Exception {
        var http01 = new InMemoryHttp01Responder();
        var failures = new ConcurrentHashMap<String, PreflightFailedException>();
        try (var challenges = Http01Server.start(pebble.httpPort(), http01::keyAuthorization);
             var proxy = HAProxy.redirecting(InetAddress.getByName("127.0.0.2"), pebble.httpPort(),
                     "https://www.elsewhere.test");
             var manager = CertificateManager.builder()
                     .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                             .withTrustedCertificates(pebble.listenerCaFile()))
                     .agreeToTermsOfService()
                     .certificate("ok", "ok." + ZONE)
                     .certificate("six", "six." + ZONE)
                     .certificate("caa", "caa." + ZONE)
                     .certificate("proxied", "proxied." + ZONE)
                     .challenges(http01)
                     .storageDirectory(storage)
                     // Pebble's directory names no CAA identity; its CAA name is pebble.letsencrypt.org
                     .preflight(Preflight.builder().mode(Preflight.Mode.ON).httpPort(pebble.httpPort())
                             .resolver(bind.address()).caaIdentities("pebble.letsencrypt.org")
                             .timeout(Duration.ofSeconds(3)).build())
                     .listener(event -> {
                         if (event instanceof CertificateEvent.Failed failed
                                 && failed.cause() instanceof PreflightFailedException preflight) {
                             failures.putIfAbsent(failed.name(), preflight);
                         }
                     })
                     .build()) {
            var ordersBefore = orders();
            manager.start();
            var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((failures.size() < 3 || manager.certificate("ok").orElseThrow().isSelfSigned())
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(manager.certificate("ok").orElseThrow().isSelfSigned()).as("the healthy name is ordered")
                    .isFalse();
            assertThat(failures.keySet()).containsExactlyInAnyOrder("six", "caa", "proxied");
            assertThat(orders() - ordersBefore).as("orders Pebble received: the healthy name's only").isEqualTo(1);

            var six = failures.get("six").report();
            assertThat(six.failures()).singleElement().satisfies(failure -> {
                assertThat(failure.check()).isEqualTo(Check.HTTP_01);
                assertThat(failure.evidence()).startsWith("AAAA ::1 does not answer on port " + pebble.httpPort());
                assertThat(failure.fix()).startsWith("Remove the AAAA record of six.preflight.test");
            });
            assertThat(six.findings()).anySatisfy(finding -> assertThat(finding.evidence())
                    .isEqualTo("A 127.0.0.1 answers the probe"));

            var caa = failures.get("caa");
            assertThat(caa.report().failures()).singleElement().satisfies(failure -> {
                assertThat(failure.check()).isEqualTo(Check.CAA);
                assertThat(failure.evidence()).contains("CAA at caa.preflight.test [0 issue \"other-ca.example\"] "
                        + "does not allow this CA (pebble.letsencrypt.org)");
                assertThat(failure.fix()).isEqualTo("Add a CAA record to caa.preflight.test: 0 issue "
                        + "\"pebble.letsencrypt.org\" (or remove the CAA records to allow every CA)");
            });
            assertThat(caa).hasMessageStartingWith("Preflight of certificate caa found what the CA would refuse, so "
                    + "no order was placed: CAA caa.preflight.test: ");

            var proxied = failures.get("proxied").report();
            assertThat(proxied.failures()).singleElement().satisfies(failure -> {
                assertThat(failure.check()).isEqualTo(Check.HTTP_01);
                assertThat(failure.evidence()).startsWith("A 127.0.0.2: redirected to https://www.elsewhere.test"
                        + "/.well-known/acme-challenge/certpilot-preflight-");
                assertThat(failure.fix()).startsWith("Exempt /.well-known/acme-challenge/ from the redirect");
            });

            // asked for at any time: the healthy name passes every check
            var ok = manager.preflight("ok");
            assertThat(ok.passed()).isTrue();
            assertThat(ok.findings()).extracting(PreflightReport.Finding::check, PreflightReport.Finding::outcome)
                    .containsExactly(tuple(Check.DNS, Outcome.PASSED),
                            tuple(Check.CAA, Outcome.PASSED),
                            tuple(Check.HTTP_01, Outcome.PASSED));
            assertThat(proxy.log()).as("the probe went through the proxy").isNotNull();
            assertThat(challenges.answered()).as("the probe and Pebble's validation").isGreaterThanOrEqualTo(2);
        }
    }

    private static long orders() {
        return pebble.log().lines().filter(line -> line.contains("Added order")).count();
    }
}
