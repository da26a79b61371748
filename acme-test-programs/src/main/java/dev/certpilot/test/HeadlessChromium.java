package dev.certpilot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A real browser for end-to-end tests: Debian's Chromium, headless, with a profile of its own that trusts one
 * root (through an NSS database in a temporary home, as a user's imported root would be) and resolves every
 * host name to {@code 127.0.0.1}. It verifies the chain and the name, offers {@code h2} and {@code http/1.1}
 * through ALPN, and refuses what a user's browser refuses.
 *
 * <pre>{@code
 * try (var browser = HeadlessChromium.trusting(pebble.root())) {
 *     String page = browser.load(URI.create("https://shop.test:" + port + "/"));
 * }
 * }</pre>
 *
 * <p>Thread-safe for loads one at a time; {@link #close()} deletes the profile. Requires {@value #INSTALL_COMMAND}.
 */
public final class HeadlessChromium implements AutoCloseable {

    /** The command that installs Chromium and the NSS tools on Debian. */
    public static final String INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y chromium "
            + "libnss3-tools";

    private static final String LOAD_FAILED = "Page load failed: ";

    private final Path chromium;
    private final Path home;

    private HeadlessChromium(Path chromium, Path home) {
        this.chromium = chromium;
        this.home = home;
    }

    /**
     * A browser that trusts {@code root} and nothing else of the tests' making.
     *
     * @param root the only root trusted
     * @return the browser
     */
    public static HeadlessChromium trusting(X509Certificate root) {
        var chromium = Executables.find("chromium", INSTALL_COMMAND);
        var certutil = Executables.find("certutil", INSTALL_COMMAND);
        Path home = null;
        try {
            home = Files.createTempDirectory("certpilot-chromium-");
            var nss = home.resolve(".pki/nssdb");
            Files.createDirectories(nss);
            var rootFile = home.resolve("root.pem");
            Files.writeString(rootFile, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64,
                    new byte[] {'\n'}).encodeToString(root.getEncoded()) + "\n-----END CERTIFICATE-----\n",
                    StandardCharsets.US_ASCII);
            var db = "sql:" + nss;
            check(Executables.run(List.of(certutil.toString(), "-d", db, "-N", "--empty-password"), Map.of(),
                    Duration.ofSeconds(30)), "create the NSS database");
            check(Executables.run(List.of(certutil.toString(), "-d", db, "-A", "-t", "C,,", "-n", "certpilot-test-root",
                    "-i", rootFile.toString()), Map.of(), Duration.ofSeconds(30)), "trust the root");
            return new HeadlessChromium(chromium, home);
        } catch (IOException e) {
            WorkDirectories.delete(home);
            throw new UncheckedIOException(e);
        } catch (CertificateEncodingException | RuntimeException e) {
            WorkDirectories.delete(home);
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    /**
     * Loads {@code url} as a user would and returns the page's DOM once it has loaded.
     *
     * @param url the page's URL
     * @return the page's DOM
     * @throws IllegalStateException when the page does not load, with the browser's reason (such as
     * {@code net::ERR_CERT_AUTHORITY_INVALID} or {@code net::ERR_CONNECTION_CLOSED})
     */
    public String load(URI url) {
        var result = Executables.run(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + home.resolve("profile"),
                "--host-resolver-rules=MAP * 127.0.0.1", "--dump-dom", url.toString()), Map.of("HOME", home.toString()),
                Duration.ofSeconds(60));
        var failed = result.stderr().lines().filter(line -> line.contains(LOAD_FAILED)).findFirst();
        if (failed.isPresent() || result.exitCode() != 0) {
            throw new IllegalStateException("Chromium could not load " + url + ": " + failed.map(line -> line.substring(
                    line.indexOf(LOAD_FAILED) + LOAD_FAILED.length())).orElse("exit code " + result.exitCode() + "\n"
                    + result.stderr()));
        }
        return result.stdout();
    }

    /** Deletes the profile and its trust store. Idempotent. */
    @Override
    public void close() {
        WorkDirectories.delete(home);
    }

    private static void check(Executables.Result result, String what) {
        if (result.exitCode() != 0) {
            throw new IllegalStateException("certutil could not " + what + ": " + result.stderr() + result.stdout());
        }
    }
}
