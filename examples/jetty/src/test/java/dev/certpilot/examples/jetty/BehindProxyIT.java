package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.Curl;
import dev.certpilot.test.HAProxy;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/**
 * The example behind a real HAProxy that terminates TLS and adds {@code X-Forwarded-Proto}, as many deployments
 * run it: with {@code --trust-forwarded-headers} the page is served with HSTS instead of a redirect loop, and
 * plain HTTP still answers HTTP-01 and redirects to the proxy's port ({@code --redirect-port}).
 */
class BehindProxyIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    private static final String DOMAIN = "proxied.certpilot.test";

    @TempDir
    Path storage;

    @TempDir
    Path proxyFiles;

    private Options options(Pebble pebble, boolean trust, int redirectPort) {
        return new Options(List.of(DOMAIN), pebble.directory(), pebble.listenerCaFile(), null, storage.toString(), "127.0.0.1",
                pebble.httpPort(), 0, redirectPort, trust, Options.DEFAULT_HSTS, "http-01",
                Options.DEFAULT_LEASE, null, null, List.of(), null, null, null, List.of(), null);
    }

    /** The certificate the example obtained, in the one-file form HAProxy reads: chain, then key. */
    private Path haproxyPem() throws Exception {
        var dir = storage.resolve("certificates").resolve(DOMAIN);
        var pem = proxyFiles.resolve("site.pem");
        Files.writeString(pem, Files.readString(dir.resolve("fullchain.pem")) + Files.readString(dir.resolve(
                "privkey.pem")));
        return pem;
    }

    @Test
    void withTrustedForwardedHeadersThePageIsServedThroughTheProxyWithHsts(Pebble pebble) throws Exception {
        try (var example = JettyExample.start(options(pebble, true, 443))) {
            example.manager().awaitCertificates(Duration.ofSeconds(60));
            try (var proxy = HAProxy.terminatingTls(haproxyPem(), example.httpPort())) {
                var page = Curl.get(URI.create("https://" + DOMAIN + ":" + proxy.port() + "/"), pebble.rootFile());

                assertThat(page.exitCode()).as(page.error() + proxy.log()).isZero();
                assertThat(page.status()).as("served, not redirected to itself").isEqualTo(200);
                assertThat(page.httpVersion()).isEqualTo("2");
                assertThat(page.body()).contains("Served over HTTPS by certpilot");
                assertThat(page.header("strict-transport-security")).hasValue("max-age=300");
            }
            var plain = Curl.get(URI.create("http://" + DOMAIN + ":" + example.httpPort() + "/cart?x=1"),
                    pebble.rootFile());
            assertThat(plain.status()).as("plain HTTP without the proxy's header is still redirected")
                    .isEqualTo(308);
            assertThat(plain.header("location")).as("to the port clients reach: --redirect-port")
                    .hasValue("https://" + DOMAIN + "/cart?x=1");
        }
    }

    @Test
    void withoutTrustingThemTheProxiedRequestIsRedirectedForEver(Pebble pebble) throws Exception {
        try (var example = JettyExample.start(options(pebble, false, 443))) {
            example.manager().awaitCertificates(Duration.ofSeconds(60));
            try (var proxy = HAProxy.terminatingTls(haproxyPem(), example.httpPort())) {
                var page = Curl.get(URI.create("https://" + DOMAIN + ":" + proxy.port() + "/"), pebble.rootFile());

                assertThat(page.status()).as("what the flag is for: the same https URL again").isEqualTo(308);
                assertThat(page.header("location")).hasValue("https://" + DOMAIN + "/");
            }
        }
    }
}
