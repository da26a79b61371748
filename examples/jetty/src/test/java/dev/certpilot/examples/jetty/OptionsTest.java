package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

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
        assertThat(options.storage()).isEqualTo(Path.of("certpilot-data"));
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
                .hasMessageContaining("Dns01Responder");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--challenge", "http-02"))
                .hasMessageContaining("http-01 or tls-alpn-01, got 'http-02'");
        assertThatThrownBy(() -> parse("--domian", "a.example")).hasMessageContaining("Unknown argument '--domian'");
        assertThatThrownBy(() -> parse("--domain")).hasMessageContaining("--domain needs a value");
        assertThatThrownBy(() -> parse("--domain", "a.example", "--email", "a@b.c", "--email", "d@e.f"))
                .hasMessageContaining("--email is given 2 times");
    }

    private static Options parse(String... args) {
        return Options.parse(args, Map.of());
    }
}
