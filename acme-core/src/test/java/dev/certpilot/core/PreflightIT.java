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

    @Test
    void aTlsAlpnProbeFindsTheProxyInFrontAndADns01ProbeARefusedUpdateWithNoOrderWhileHealthyNamesAreOrdered()
            throws Exception {
        update(Record.fromString(name("tls-ok"), Type.A, DClass.IN, 60, "127.0.0.1", Name.root),
                Record.fromString(name("tls-front"), Type.A, DClass.IN, 60, "127.0.0.2", Name.root));
        var tlsAlpn = new InMemoryTlsAlpn01Responder();
        var wrongKey = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        var failures = new ConcurrentHashMap<String, PreflightFailedException>();
        try (var tls = manager("tls", tlsAlpn, failures).certificate("tls-ok", "tls-ok." + ZONE)
                     .certificate("tls-front", "tls-front." + ZONE).build();
             var served = new AlpnServer(tls.keyManager(), InetAddress.getByName("127.0.0.1"), pebble.tlsPort(),
                     "acme-tls/1", "http/1.1");
             var front = new AlpnServer(keyManagerOf("www.elsewhere.test"), InetAddress.getByName("127.0.0.2"),
                     pebble.tlsPort());
             var dns = manager("dns", new BindUpdates(bind.keySecret()), failures)
                     .certificate("wild", "*.wild." + ZONE).build();
             var refused = manager("refused", new BindUpdates(wrongKey), failures)
                     .certificate("refused", "refused." + ZONE).build()) {
            var ordersBefore = orders();
            tls.start();
            dns.start();
            refused.start();
            var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while ((failures.size() < 2 || tls.certificate("tls-ok").orElseThrow().isSelfSigned()
                    || dns.certificate("wild").orElseThrow().isSelfSigned()) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(tls.certificate("tls-ok").orElseThrow().isSelfSigned()).as("ordered by TLS-ALPN-01").isFalse();
            assertThat(dns.certificate("wild").orElseThrow().isSelfSigned()).as("ordered by DNS-01").isFalse();
            assertThat(failures.keySet()).containsExactlyInAnyOrder("tls-front", "refused");
            assertThat(orders() - ordersBefore).as("orders Pebble received: the healthy names' only").isEqualTo(2);

            assertThat(failures.get("tls-front").report().failures()).singleElement().satisfies(failure -> {
                assertThat(failure.check()).isEqualTo(Check.TLS_ALPN_01);
                assertThat(failure.evidence()).isEqualTo("A 127.0.0.2 port " + pebble.tlsPort() + " completed the "
                        + "handshake without acme-tls/1 (no protocol), showing CN=www.elsewhere.test,O=certpilot");
                assertThat(failure.fix()).startsWith("Something in front terminates TLS on port " + pebble.tlsPort()
                        + " (a proxy, a CDN, a load balancer) and does not pass acme-tls/1 through");
            });
            assertThat(failures.get("refused").report().failures()).singleElement().satisfies(failure -> {
                assertThat(failure.check()).isEqualTo(Check.DNS_01);
                assertThat(failure.evidence()).startsWith("the DNS-01 responder could not publish the probe record "
                        + "_acme-challenge.refused.preflight.test: ");
                assertThat(failure.fix()).startsWith("Check the DNS-01 responder's settings: its credentials");
            });
            assertThat(tls.preflight("tls-ok").findings())
                    .extracting(PreflightReport.Finding::check, PreflightReport.Finding::evidence)
                    .contains(tuple(Check.TLS_ALPN_01, "A 127.0.0.1 answers the acme-tls/1 probe"));
            var wild = dns.preflight("wild");
            assertThat(wild.findings()).extracting(PreflightReport.Finding::check, PreflightReport.Finding::outcome)
                    .containsExactly(tuple(Check.DNS, Outcome.PASSED), tuple(Check.CAA, Outcome.PASSED),
                            tuple(Check.DNS_01, Outcome.PASSED));
            assertThat(wild.findings().get(2).evidence()).isEqualTo("a probe TXT record at "
                    + "_acme-challenge.wild.preflight.test is answered by every authoritative server of "
                    + "preflight.test [ns.preflight.test]");
            assertThat(lookupTxt("_acme-challenge.wild")).as("the probe records are removed").isEmpty();

            // with DNS-01 beside TLS-ALPN-01, the proxy in front is a warning: the order validates by DNS-01
            try (var both = manager("both", tlsAlpn, failures).challenges(tlsAlpn, new BindUpdates(bind.keySecret()))
                    .certificate("tls-front", "tls-front." + ZONE).preflight(settings(Preflight.Mode.OFF)).build()) {
                var report = both.preflight("tls-front");
                assertThat(report.passed()).isTrue();
                assertThat(report.findings()).extracting(PreflightReport.Finding::check,
                        PreflightReport.Finding::outcome).containsExactly(tuple(Check.DNS, Outcome.PASSED),
                        tuple(Check.CAA, Outcome.PASSED), tuple(Check.TLS_ALPN_01, Outcome.WARNED),
                        tuple(Check.DNS_01, Outcome.PASSED));
            }
        }
    }

    @Test
    void aCaOutOfReachLeavesCaaUncheckedSayingSoAndTheOtherChecksRun() throws Exception {
        try (var manager = CertificateManager.builder()
                     .certificateAuthority(CertificateAuthority.of("https://127.0.0.1:1/dir"))
                     .agreeToTermsOfService()
                     .certificate("ok", "ok." + ZONE)
                     .challenges(new InMemoryHttp01Responder())
                     .storageDirectory(storage)
                     .preflight(Preflight.builder().mode(Preflight.Mode.OFF).resolver(bind.address())
                             .httpPort(pebble.httpPort()).timeout(Duration.ofSeconds(3)).build())
                     .build()) {
            var report = manager.preflight("ok");

            assertThat(report.findings()).extracting(PreflightReport.Finding::check)
                    .containsExactly(Check.DNS, Check.CAA, Check.HTTP_01);
            assertThat(report.findings().get(1).outcome()).isEqualTo(Outcome.SKIPPED);
            assertThat(report.findings().get(1).evidence()).startsWith("the CA could not be asked which CAA names "
                    + "are its own (");
        }
    }

    private CertificateManagerBuilder manager(String folder, dev.certpilot.core.spi.ChallengeResponder responder,
                                              ConcurrentHashMap<String, PreflightFailedException> failures) {
        return CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCaFile()))
                .agreeToTermsOfService()
                .challenges(responder)
                .storageDirectory(storage.resolve(folder))
                .preflight(settings(Preflight.Mode.ON))
                .listener(event -> {
                    if (event instanceof CertificateEvent.Failed failed
                            && failed.cause() instanceof PreflightFailedException preflight) {
                        failures.putIfAbsent(failed.name(), preflight);
                    }
                });
    }

    private static Preflight settings(Preflight.Mode mode) {
        // Pebble's directory names no CAA identity; its CAA name is pebble.letsencrypt.org
        return Preflight.builder().mode(mode).httpPort(pebble.httpPort()).tlsPort(pebble.tlsPort())
                .resolver(bind.address()).caaIdentities("pebble.letsencrypt.org").timeout(Duration.ofSeconds(3))
                .build();
    }

    private static javax.net.ssl.KeyManager keyManagerOf(String host) throws Exception {
        var bundle = dev.certpilot.core.internal.tls.SelfSigned.bundle(host, java.time.Instant.now(),
                Duration.ofDays(1), host);
        var factory = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        factory.init(bundle.toKeyStore(new char[0]), new char[0]);
        return factory.getKeyManagers()[0];
    }

    private static java.util.List<Record> lookupTxt(String label) throws Exception {
        var query = org.xbill.DNS.Message.newQuery(Record.newRecord(name(label), Type.TXT, DClass.IN));
        return new SimpleResolver(bind.address()).send(query).getSection(org.xbill.DNS.Section.ANSWER);
    }

    /** RFC 2136 updates to the test's BIND, signed with {@code secret}: the right key, or a wrong one. */
    private record BindUpdates(String secret) implements dev.certpilot.core.spi.Dns01Responder {

        @Override
        public void publish(String recordName, String value) throws java.io.IOException {
            send(recordName, value, true);
        }

        @Override
        public void remove(String recordName, String value) throws java.io.IOException {
            send(recordName, value, false);
        }

        private void send(String recordName, String value, boolean add) throws java.io.IOException {
            var update = new Update(Name.fromString(ZONE + "."));
            var record = new org.xbill.DNS.TXTRecord(Name.fromString(recordName), DClass.IN, 60, value);
            if (add) {
                update.add(record);
            } else {
                update.delete(record);
            }
            var resolver = new SimpleResolver(bind.address());
            resolver.setTCP(true);
            resolver.setTSIGKey(new TSIG(TSIG.HMAC_SHA256, bind.keyName(), secret));
            var response = resolver.send(update);
            if (response.getRcode() != Rcode.NOERROR) {
                throw new java.io.IOException("the server answered " + Rcode.string(response.getRcode()));
            }
        }
    }

    private static long orders() {
        return pebble.log().lines().filter(line -> line.contains("Added order")).count();
    }
}
