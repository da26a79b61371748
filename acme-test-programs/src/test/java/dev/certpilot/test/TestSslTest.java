package dev.certpilot.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;

import org.junit.jupiter.api.Test;

/** The grade {@link TestSsl} gives to testssl.sh's findings. */
class TestSslTest {

    /** The findings of a server set as Mozilla's intermediate recipe with HSTS, which grades A+. */
    private static LinkedHashMap<String, TestSsl.Finding> good() {
        var findings = new LinkedHashMap<String, TestSsl.Finding>();
        add(findings, "SSLv2", "OK", "not offered");
        add(findings, "SSLv3", "OK", "not offered");
        add(findings, "TLS1", "INFO", "not offered");
        add(findings, "TLS1_1", "INFO", "not offered");
        add(findings, "TLS1_2", "OK", "offered");
        add(findings, "TLS1_3", "OK", "offered with final");
        add(findings, "cipherlist_NULL", "OK", "not offered");
        add(findings, "cipherlist_3DES_IDEA", "INFO", "not offered");
        add(findings, "PFS", "OK", "offered");
        add(findings, "RC4", "OK", "not vulnerable");
        add(findings, "cert_chain_of_trust", "OK", "passed.");
        add(findings, "cert_revocation", "HIGH", "Neither CRL nor OCSP URI provided");
        add(findings, "HSTS_time", "OK", "730 days (=63072000 seconds) > 15552000 seconds");
        return findings;
    }

    private static void add(LinkedHashMap<String, TestSsl.Finding> findings, String id, String severity, String text) {
        findings.put(id, new TestSsl.Finding(id, severity, text));
    }

    @Test
    void theRecipeGradesAPlusAndTheCertificatesOwnFindingsDoNotCount() {
        var scan = new TestSsl.Scan(good());

        assertThat(scan.grade()).isEqualTo("A+");
        assertThat(scan.problems()).isEmpty();
    }

    @Test
    void eachWeaknessCapsTheGrade() {
        var shortHsts = good();
        add(shortHsts, "HSTS_time", "LOW", "300 seconds < 15552000 seconds");
        assertThat(new TestSsl.Scan(shortHsts).grade()).isEqualTo("A");

        var tls10 = good();
        add(tls10, "TLS1", "LOW", "offered (deprecated)");
        assertThat(new TestSsl.Scan(tls10).grade()).isEqualTo("B");

        var noForwardSecrecy = good();
        add(noForwardSecrecy, "PFS", "MEDIUM", "not offered");
        assertThat(new TestSsl.Scan(noForwardSecrecy).grade()).isEqualTo("B");

        var tripleDes = good();
        add(tripleDes, "cipherlist_3DES_IDEA", "MEDIUM", "offered");
        assertThat(new TestSsl.Scan(tripleDes).grade()).isEqualTo("C");

        var heartbleed = good();
        add(heartbleed, "heartbleed", "CRITICAL", "VULNERABLE");
        assertThat(new TestSsl.Scan(heartbleed).grade()).isEqualTo("F");
        assertThat(new TestSsl.Scan(heartbleed).problems()).extracting(TestSsl.Finding::id).containsExactly("heartbleed");

        var untrusted = good();
        add(untrusted, "cert_chain_of_trust", "CRITICAL", "failed (chain incomplete).");
        assertThat(new TestSsl.Scan(untrusted).grade()).isEqualTo("T");
    }

    @Test
    void theRenegotiationProbeTellsAServerThatRefusesFromOneThatAllows(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        var key = dir.resolve("key.pem").toString();
        var cert = dir.resolve("cert.pem").toString();
        var made = Executables.run(java.util.List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=probe.test", "-days",
                "1"), java.util.Map.of(), java.time.Duration.ofSeconds(30));
        assertThat(made.exitCode()).as(made.stderr()).isZero();

        for (var allows : new boolean[] {false, true}) {
            int port;
            try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            }
            var command = new java.util.ArrayList<>(java.util.List.of("openssl", "s_server", "-accept",
                    "127.0.0.1:" + port, "-cert", cert, "-key", key, "-www", "-quiet"));
            if (allows) {
                command.add("-client_renegotiation");
            }
            var server = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("server-" + allows + ".log").toFile()).start();
            try {
                for (int i = 0; i < 100; i++) {
                    try (var probe = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                        break;
                    } catch (java.io.IOException notYet) {
                        Thread.sleep(20);
                    }
                }
                assertThat(TestSsl.refusesRenegotiation("probe.test", port)).as("server allows: " + allows)
                        .isEqualTo(!allows);
            } finally {
                server.destroy();
                server.waitFor();
            }
        }
    }
}
