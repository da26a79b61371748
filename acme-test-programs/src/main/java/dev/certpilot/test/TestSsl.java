package dev.certpilot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Scans a TLS server with the real {@code testssl.sh} (protocols, cipher lists, forward secrecy, server defaults,
 * HTTP headers, vulnerabilities) and grades its configuration. Debian's testssl.sh 3.0 gives no grade, so
 * {@link Scan#grade()} applies the main caps of SSL Labs' rating guide to its findings; the certificate's own
 * findings (a test CA's certificate has no revocation URL and a short life) are left out, since every server in a
 * comparison serves the same one. Stateless; thread-safe. Requires {@value #INSTALL_COMMAND}.
 */
public final class TestSsl {

    /** The command that installs testssl.sh on Debian. */
    public static final String INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y testssl.sh";

    private static final Pattern FINDING = Pattern.compile(
            "\\{\\s*\"id\"\\s*:\\s*\"([^\"]*)\"[^}]*?\"severity\"\\s*:\\s*\"([^\"]*)\"[^}]*?\"finding\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Set<String> CERTIFICATE_ONLY = Set.of("cert_expirationStatus", "cert_notAfter",
            "cert_revocation", "DNS_CAArecord", "OCSP_stapling", "cert_mustStapleExtension",
            "certificate_transparency");

    private static final String CLIENT_RENEGOTIATION = "secure_client_renego";

    private TestSsl() {
    }

    /**
     * Whether the server refuses a client-initiated renegotiation under TLS 1.2: {@code openssl s_client} asks for
     * one and keeps its input open three seconds, so that the server's answer comes before the client quits. A
     * server that allows it lets the client end the session itself ({@code DONE}); one that refuses sends an alert
     * or closes the connection first.
     */
    static boolean refusesRenegotiation(String host, int port) {
        var openssl = Executables.find("openssl", "sudo apt-get update && sudo apt-get install -y openssl");
        var result = Executables.run(List.of("sh", "-c", "(echo R; sleep 3) | " + openssl + " s_client -connect "
                + "127.0.0.1:" + port + " -servername " + host + " -tls1_2 -no_ticket 2>&1"), Map.of(),
                Duration.ofSeconds(30));
        return result.stdout().contains("RENEGOTIATING") && !result.stdout().strip().endsWith("DONE");
    }

    /** One finding: its testssl id, severity ({@code OK INFO LOW MEDIUM HIGH CRITICAL WARN}) and text. */
    public record Finding(String id, String severity, String text) {
    }

    /**
     * A finished scan.
     *
     * @param findings every finding by id, in testssl's order
     */
    public record Scan(Map<String, Finding> findings) {

        /**
         * The grade: T for an untrusted chain; F for SSLv2, NULL, anonymous or export suites, or a critical flaw;
         * C for SSLv3, RC4, 3DES or weak suites, or no TLS 1.2; B for TLS 1.0 or 1.1, no forward secrecy, or a
         * high-severity protocol finding; else A, and A+ with HSTS for at least 180 days.
         *
         * @return the grade
         */
        public String grade() {
            if (!severity("cert_chain_of_trust").equals("OK")) {
                return "T";
            }
            var grade = "A";
            if (offered("SSLv2") || offered("cipherlist_NULL") || offered("cipherlist_aNULL")
                    || offered("cipherlist_EXPORT") || relevant().anyMatch(f -> f.severity().equals("CRITICAL"))) {
                return "F";
            }
            if (offered("SSLv3") || offered("cipherlist_LOW") || offered("cipherlist_3DES_IDEA")
                    || !severity("RC4").equals("OK") || !offered("TLS1_2") && !offered("TLS1_3")) {
                return "C";
            }
            if (offered("TLS1") || offered("TLS1_1") || !severity("PFS").equals("OK")
                    || relevant().anyMatch(f -> f.severity().equals("HIGH"))) {
                grade = "B";
            }
            return grade.equals("A") && severity("HSTS_time").equals("OK") ? "A+" : grade;
        }

        /**
         * The findings that are neither OK nor INFO, leaving out those about the certificate alone and WARN, which
         * testssl.sh gives when a check of its own failed to run (a connection it could not make), not a finding
         * about the server.
         *
         * @return the problems
         */
        public List<Finding> problems() {
            return relevant().filter(f -> !Set.of("OK", "INFO", "WARN").contains(f.severity())).toList();
        }

        private java.util.stream.Stream<Finding> relevant() {
            return findings.values().stream().filter(f -> !CERTIFICATE_ONLY.contains(f.id())
                    && !f.id().equals("security_headers") && !f.id().startsWith("scan"));
        }

        private boolean offered(String id) {
            var finding = findings.get(id);
            return finding != null && finding.text().startsWith("offered");
        }

        private String severity(String id) {
            var finding = findings.get(id);
            return finding == null ? "missing" : finding.severity();
        }
    }

    /**
     * Scans {@code https://host:port/} at 127.0.0.1 with {@code host} as SNI, trusting the roots in {@code caFile}.
     * Takes about half a minute.
     *
     * @param host the SNI name
     * @param port the port
     * @param caFile the trusted roots
     * @return the scan
     */
    public static Scan scan(String host, int port, Path caFile) {
        var testssl = Executables.find("testssl", INSTALL_COMMAND);
        Path work = null;
        try {
            work = Files.createTempDirectory("certpilot-testssl-");
            var json = work.resolve("scan.json");
            var result = Executables.run(List.of(testssl.toString(), "--quiet", "--color", "0", "--warnings", "off",
                    "--ip", "127.0.0.1", "--add-ca", caFile.toString(), "-p", "-s", "-f", "-h", "-S", "-U",
                    "--jsonfile", json.toString(), "https://" + host + ":" + port + "/"), Map.of(),
                    Duration.ofMinutes(5));
            if (!Files.exists(json)) {
                throw new IllegalStateException("testssl wrote no findings (exit " + result.exitCode() + "): "
                        + result.stdout() + result.stderr());
            }
            var findings = new LinkedHashMap<String, Finding>();
            var matcher = FINDING.matcher(Files.readString(json));
            while (matcher.find()) {
                findings.putIfAbsent(matcher.group(1), new Finding(matcher.group(1), matcher.group(2),
                        matcher.group(3)));
            }
            if (findings.isEmpty()) {
                throw new IllegalStateException("testssl found nothing at " + host + ":" + port + ": "
                        + result.stdout());
            }
            var renegotiation = findings.get(CLIENT_RENEGOTIATION);
            if (renegotiation != null && !renegotiation.severity().equals("OK") && refusesRenegotiation(host, port)) {
                findings.put(CLIENT_RENEGOTIATION, new Finding(CLIENT_RENEGOTIATION, "OK", "not vulnerable: the "
                        + "server refused a client renegotiation given time to answer (testssl.sh 3.0's quick check "
                        + "reported '" + renegotiation.text() + "', a race between its client quitting and the "
                        + "server's refusal)"));
            }
            return new Scan(findings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            WorkDirectories.delete(work);
        }
    }
}
