package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;

class OptionsTest {

    @Test
    void flagsOverrideEnvironmentVariablesAndDefaultsAreSafe() {
        var options = Options.parse(new String[] {"--domain", "a.example", "--domain", "b.example", "--https-port",
            "8443"}, Map.of("CERTPILOT_DOMAIN", "ignored.example", "CERTPILOT_HTTPS_PORT", "9443",
                "CERTPILOT_EMAIL", "ops@example.com"));

        assertThat(options.domains()).containsExactly("a.example", "b.example");
        assertThat(options.httpsPort()).isEqualTo(8443);
        assertThat(options.email()).isEqualTo("ops@example.com");
        assertThat(options.acmeDirectory()).as("staging unless told otherwise").isEqualTo(Options.LETS_ENCRYPT_STAGING);
        assertThat(options.httpPort()).isEqualTo(80);
        assertThat(options.challenge()).isEqualTo("http-01");
        assertThat(options.storage()).isEqualTo("certpilot-data");
        assertThat(options.jdbcStorage()).isFalse();
        assertThat(options.leaseDuration()).isEqualTo(java.time.Duration.ofSeconds(60));
    }

    @Test
    void environmentVariablesAloneAreEnough() {
        var options = Options.parse(new String[0], Map.of("CERTPILOT_DOMAIN", "a.example, b.example",
                "CERTPILOT_ACME_DIRECTORY", "https://ca.example/dir", "CERTPILOT_CHALLENGE", "TLS-ALPN-01"));

        assertThat(options.domains()).containsExactly("a.example", "b.example");
        assertThat(options.acmeDirectory()).isEqualTo(URI.create("https://ca.example/dir"));
        assertThat(options.challenge()).isEqualTo("tls-alpn-01");
    }

    @Test
    void badInputNamesTheFlagAndTheFix() {
        assertThatThrownBy(() -> Options.parse(new String[0], Map.of())).hasMessageContaining("--domain");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--http-port", "eighty"))
                .hasMessageContaining("--http-port must be a port").hasMessageContaining("'eighty'");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--challenge", "dns-01"))
                .hasMessageContaining("--dns-server HOST:PORT");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--challenge", "dns-01", "--dns-server", "ns1:5x"))
                .hasMessageContaining("--dns-server must be a port").hasMessageContaining("'5x'");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--challenge", "dns-01", "--dns-server", "ns1",
                "--tsig-key-name", "k")).hasMessageContaining("both --tsig-key-name and --tsig-key");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--dns-server", "ns1"))
                .hasMessageContaining("go with --challenge dns-01");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--challenge", "http-02"))
                .hasMessageContaining("http-01, tls-alpn-01 or dns-01, got 'http-02'");
        assertThatThrownBy(() -> parse("--domian", "a.example")).hasMessageContaining("Unknown argument '--domian'");
        assertThatThrownBy(() -> parse("--domain")).hasMessageContaining("--domain needs a value");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--email", "a@b.c", "--email", "d@e.f"))
                .hasMessageContaining("--email is given 2 times");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--http-port", "none"))
                .hasMessageContaining("--http-port none leaves no plain HTTP port, but --challenge http-01");
    }

    @Test
    void plainHttpIsKeptForRedirectsWithEveryChallengeUnlessSetToNone() {
        assertThat(parse("--domain", "a.example", "--challenge", "tls-alpn-01").httpPort()).isEqualTo(80);
        assertThat(parse("--domain", "a.example", "--challenge", "tls-alpn-01", "--http-port", "none").httpPort())
                .isEqualTo(-1);
    }

    @Test
    void noticesGoToTheWebhookAndTheMailServerTheFlagsOrTheEnvironmentName() {
        var options = Options.parse(new String[] {"--domain", "a.example", "--notify-webhook",
                "https://hooks.example.test/services/T0/B0/token", "--notify-mail", "smtp.example.test:587",
                "--notify-mail-from", "certpilot@example.test", "--notify-mail-to", "ops@example.test",
                "--notify-mail-to", "oncall@example.test"}, Map.of("CERTPILOT_NOTIFY_WEBHOOK_SECRET",
                "0123456789abcdef0123", "CERTPILOT_SMTP_USER", "certpilot", "CERTPILOT_SMTP_PASSWORD", "hunter2-smtp"));
        assertThat(options.notifiers()).extracting(Object::toString).containsExactly(
                "WebhookNotifier[https://hooks.example.test/...]",
                "MailNotifier[STARTTLS smtp.example.test:587, from certpilot@example.test to [ops@example.test, "
                        + "oncall@example.test]]");
        assertThat(options.toString()).doesNotContain("hunter2-smtp", "0123456789abcdef0123", "token");
        assertThat(Options.parse(new String[0], Map.of("CERTPILOT_DOMAIN", "a.example", "CERTPILOT_NOTIFY_MAIL",
                "smtp.example.test:465", "CERTPILOT_NOTIFY_MAIL_FROM", "c@example.test", "CERTPILOT_NOTIFY_MAIL_TO",
                "a@example.test,b@example.test")).notifiers()).singleElement().asString().contains("SMTPS");
        assertThat(parse("--domain", "a.example").notifiers()).isEmpty();
    }

    @Test
    void aSecondCaIsOneFlagWithItsCredentialsFromTheEnvironment() {
        assertThat(parse("--domain", "a.example").fallbackCa()).isNull();
        var options = Options.parse(new String[] {"--domain", "a.example", "--fallback-ca", "zerossl"}, Map.of(
                "CERTPILOT_FALLBACK_EAB_KEY_ID", "kid-1", "CERTPILOT_FALLBACK_EAB_HMAC_KEY", "a".repeat(43)));
        assertThat(options.fallbackCa().directory()).isEqualTo(CertificateAuthority.ZEROSSL.directory());
        assertThat(options.fallbackCa().eab()).isNotNull();
        assertThat(Options.parse(new String[0], Map.of("CERTPILOT_DOMAIN", "a.example", "CERTPILOT_FALLBACK_CA",
                "lets-encrypt")).fallbackCa()).isEqualTo(CertificateAuthority.LETS_ENCRYPT);
        assertThatThrownBy(() -> parse("--domain", "a.example", "--fallback-ca", "zerossl"))
                .hasMessageStartingWith("--fallback-ca: ZeroSSL requires External Account Binding: set "
                        + "CERTPILOT_FALLBACK_EAB_KEY_ID");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--fallback-ca", "lets-encrpyt"))
                .hasMessageStartingWith("--fallback-ca: ");
    }

    @Test
    void aWrongNoticeSettingNamesItsFlag() {
        assertThatThrownBy(() -> parse("--domain", "a.example", "--notify-webhook", "http://hooks.example.test/x"))
                .hasMessageStartingWith("--notify-webhook: The webhook URL must be an absolute https:// URL");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--notify-mail-to", "ops@example.test"))
                .hasMessageStartingWith("--notify-mail-from and --notify-mail-to go with --notify-mail HOST:PORT");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--notify-mail", "smtp.example.test:587",
                "--notify-mail-from", "certpilot@example.test")).hasMessageStartingWith("--notify-mail-to: ");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--notify-mail", "smtp.example.test:587",
                "--notify-mail-from", "not an address", "--notify-mail-to", "ops@example.test"))
                .hasMessageStartingWith("--notify-mail-from: The mail from address must be an address");
    }

    @Test
    void theStorageIsADirectoryOrAPostgresqlMariadbOrMysqlUrl() {
        assertThat(parse("--domain", "a.example", "--storage", "jdbc:mariadb://db:3306/app").storage())
                .isEqualTo("jdbc:mariadb://db:3306/app");
        assertThat(parse("--domain", "a.example", "--storage", "jdbc:mysql://db/app?user=app").storage())
                .as("through MariaDB's driver").isEqualTo("jdbc:mysql://db/app?user=app&permitMysqlScheme");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--storage", "jdbc:oracle:thin:@db?password=s3cret"))
                .hasMessageStartingWith("--storage: the databases are PostgreSQL, MariaDB and MySQL")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void theStorageKeyIsReadFromAFileOrTheEnvironmentForADatabaseOnlyAndNeverEchoed(@TempDir Path dir)
            throws Exception {
        var key = Base64.getEncoder().encodeToString(new byte[32]);
        var file = Files.writeString(dir.resolve("storage.key"), key + "\n");
        var database = "jdbc:postgresql://db/app";

        assertThat(parse("--domain", "a.example", "--storage", database, "--storage-key-file", file.toString())
                .storageKey().getEncoded()).hasSize(32);
        assertThat(Options.parse(new String[] {"--domain", "a.example", "--storage", database},
                Map.of("CERTPILOT_STORAGE_KEY", key)).storageKey().getAlgorithm()).isEqualTo("AES");
        assertThat(parse("--domain", "a.example", "--storage", database).storageKey()).isNull();

        assertThatThrownBy(() -> parse("--domain", "a.example", "--storage-key-file", file.toString()))
                .hasMessageContaining("encrypts private keys in database storage, but --storage is a directory");
        assertThatThrownBy(() -> Options.parse(new String[] {"--domain", "a.example", "--storage", database},
                Map.of("CERTPILOT_STORAGE_KEY", "c2hvcnQ=")))
                .hasMessageContaining("CERTPILOT_STORAGE_KEY must hold an AES key of 128 or 256 bits")
                .hasMessageNotContaining("c2hvcnQ=");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--storage", database, "--storage-key-file",
                dir.resolve("missing").toString())).hasMessageContaining("Cannot read --storage-key-file");
    }

    @Test
    void dns01TakesTheServerAndKeyFromFlagsOrTheEnvironment() {
        var options = Options.parse(new String[] {"--domain", "*.example.com", "--challenge", "dns-01",
                "--dns-server", "ns1.example.com", "--tsig-key-name", "certpilot"},
                Map.of("CERTPILOT_TSIG_KEY", "c2VjcmV0", "CERTPILOT_TSIG_ALGORITHM", "hmac-sha512"));
        var update = options.dnsUpdate();
        assertThat(update.server().getHostString()).isEqualTo("ns1.example.com");
        assertThat(update.server().getPort()).isEqualTo(53);
        assertThat(update.keyName()).isEqualTo("certpilot");
        assertThat(update.key()).isEqualTo("c2VjcmV0");
        assertThat(update.algorithm()).isEqualTo("hmac-sha512");
        assertThat(update.resolver()).isNull();
        assertThatThrownBy(() -> JettyExample.dns01(new Options.DnsUpdate(update.server(), "certpilot", "c2VjcmV0",
                "hmac-sha3", null))).hasMessageStartingWith("--tsig-key-name, --tsig-key, --tsig-algorithm: TSIG "
                + "algorithm must be hmac-sha256");
    }

    @Test
    void proxyFlagsAndAnyValidDomainAreAccepted() {
        var longDomain = "a".repeat(63) + "." + "b".repeat(63) + ".example";
        var options = parse("--domain", "Shop.Example.COM", "--domain", "bücher.example", "--domain", longDomain,
                "--host", "127.0.0.1", "--redirect-port", "443", "--trust-forwarded-headers", "--http-port", "8080");

        assertThat(options.domains()).containsExactly("Shop.Example.COM", "bücher.example", longDomain);
        assertThat(options.host()).isEqualTo("127.0.0.1");
        assertThat(options.redirectPort()).isEqualTo(443);
        assertThat(options.trustForwardedHeaders()).isTrue();
        assertThat(options.httpPort()).isEqualTo(8080);
        assertThat(parse("--domain", "a.example").trustForwardedHeaders()).as("off unless asked").isFalse();
        assertThat(Options.parse(new String[0], Map.of("CERTPILOT_DOMAIN", "a.example",
                "CERTPILOT_TRUST_FORWARDED_HEADERS", "true")).trustForwardedHeaders()).isTrue();
    }

    @Test
    void anInvalidDomainOrDirectoryIsNamedWithItsFlag() {
        assertThatThrownBy(() -> parse("--domain", "bad_label.example")).hasMessageStartingWith("--domain: ")
                .hasMessageContaining("bad_label");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--acme-directory", "http://ca.example/dir"))
                .hasMessageStartingWith("--acme-directory: ").hasMessageContaining("https");
        assertThatThrownBy(() -> Options.parse(new String[0], Map.of("CERTPILOT_DOMAIN", "a.example",
                "CERTPILOT_TRUST_FORWARDED_HEADERS", "yes"))).hasMessageContaining("true or false, got 'yes'");
    }

    @Test
    void onDemandFlagsReplaceDomainsAndAreCheckedByName() {
        var options = parse("--on-demand-allow", ".customers.example", "--on-demand-allow", ".shops.example",
                "--on-demand-ask", "http://localhost:8081/allowed");
        assertThat(options.domains()).isEmpty();
        assertThat(options.onDemandAllow()).containsExactly(".customers.example", ".shops.example");
        assertThat(options.onDemandAsk()).hasToString("http://localhost:8081/allowed");
        assertThat(options.onDemand()).isTrue();
        assertThat(Options.parse(new String[0], Map.of("CERTPILOT_ON_DEMAND_ALLOW", ".a.example,.b.example"))
                .onDemandAllow()).containsExactly(".a.example", ".b.example");
        assertThat(parse("--domain", "a.example").onDemand()).as("off unless asked").isFalse();

        assertThatThrownBy(() -> Options.parse(new String[0], Map.of())).hasMessageContaining("--on-demand-allow");
        assertThatThrownBy(() -> parse("--on-demand-allow", "customers.example"))
                .hasMessageStartingWith("--on-demand-allow: ").hasMessageContaining("must start with a dot");
        assertThatThrownBy(() -> parse("--on-demand-ask", "localhost:8081/allowed"))
                .hasMessageStartingWith("--on-demand-ask: ").hasMessageContaining("absolute http:// or https://");
        assertThatThrownBy(() -> parse("--on-demand-ask", "http://a b"))
                .hasMessageStartingWith("--on-demand-ask: ");
    }

    private static Options parse(String... args) {
        return Options.parse(args, Map.of());
    }
}
