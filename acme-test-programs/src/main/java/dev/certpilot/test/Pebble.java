package dev.certpilot.test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A running Pebble (Let's Encrypt's test ACME server) with its mock DNS server {@code pebble-challtestsrv},
 * both bound to {@code 127.0.0.1} on free ports, for tests and demos.
 *
 * <p>Pebble's HTTPS listener gets a certificate generated for this run; {@link #sslContext()} and
 * {@link #listenerCa()} tell an ACME client how to trust it. Pebble resolves every name through the mock DNS,
 * which answers {@code 127.0.0.1}, so any name can be validated: HTTP-01 against {@link #httpPort()},
 * TLS-ALPN-01 against {@link #tlsPort()}, DNS-01 with the TXT records set by {@link #setTxt}. Validation runs
 * without Pebble's random sleep.
 *
 * <pre>{@code
 * try (Pebble pebble = Pebble.builder().certificateValidity(Duration.ofMinutes(2)).start()) {
 *     URI directory = pebble.directory();
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops both processes and deletes the working directory; it is idempotent.
 * Requires the {@code pebble} package: {@value #INSTALL_COMMAND}.
 */
public final class Pebble implements AutoCloseable {

    /** The command that installs Pebble on Debian and Ubuntu. */
    public static final String INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y pebble";

    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]{16,512}");

    private final Path workDir;
    private final ListenerCertificates listener;
    private final SSLContext sslContext;
    private final HttpClient http;
    private final Map<String, String> externalAccountKeys;
    private final int acmePort;
    private final int managementPort;
    private final int httpPort;
    private final int tlsPort;
    private final int dnsPort;
    private final int dnsManagementPort;
    private final List<Process> processes = new ArrayList<>();
    private final Thread shutdownHook;
    private final Builder settings;
    private boolean closed;

    private Pebble(Builder builder) throws IOException {
        this.settings = builder.copy();
        this.externalAccountKeys = Map.copyOf(builder.externalAccountKeys);
        int[] ports = LoopbackPorts.free(6);
        this.acmePort = ports[0];
        this.managementPort = ports[1];
        this.httpPort = ports[2];
        this.tlsPort = ports[3];
        this.dnsPort = ports[4];
        this.dnsManagementPort = ports[5];
        this.workDir = Files.createTempDirectory("certpilot-pebble-");
        this.listener = ListenerCertificates.generate(workDir);
        this.sslContext = trusting(listener.ca());
        this.http = HttpClient.newBuilder().sslContext(sslContext).connectTimeout(Duration.ofSeconds(5)).build();
        this.shutdownHook = new Thread(this::stopProcesses, "pebble-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Returns a builder for a Pebble with non-default settings.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a Pebble with default settings: no EAB, 90-day certificates, Pebble's default nonce rejection.
     *
     * @return the running Pebble
     */
    public static Pebble start() {
        return builder().start();
    }

    /**
     * The ACME directory URL, {@code https://127.0.0.1:<port>/dir}.
     *
     * @return the directory URL
     */
    public URI directory() {
        return URI.create("https://" + LOOPBACK + ":" + acmePort + "/dir");
    }

    /**
     * An SSL context that trusts Pebble's HTTPS listeners (and nothing else); hand it to the ACME client.
     *
     * @return the context
     */
    public SSLContext sslContext() {
        return sslContext;
    }

    /**
     * The CA that signed the certificate of Pebble's HTTPS listeners (not the CA that issues ACME certificates).
     *
     * @return the listeners' CA
     */
    public X509Certificate listenerCa() {
        return listener.ca();
    }

    /**
     * {@link #listenerCa()} as a PEM file, for tools that take a path.
     *
     * @return the PEM file
     */
    public Path listenerCaFile() {
        var file = workDir.resolve("listener-ca.pem");
        if (!Files.exists(file)) {
            try {
                Files.writeString(file, pem(listener.ca()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file;
    }

    /**
     * {@link #rootPem()} as a PEM file, for tools that take a path ({@code curl --cacert}); written anew at each
     * call, since a {@linkplain #restart() restarted} Pebble has a new root.
     *
     * @return the PEM file
     */
    public Path rootFile() {
        var file = workDir.resolve("root.pem");
        try {
            Files.writeString(file, rootPem());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * Stops Pebble and starts it again on the same ports, as a CA that lost its state would be: it forgets every
     * account, order and authorization, and issues from a new root. Its listener certificate stays the same.
     */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("Pebble is closed");
        }
        stopProcesses();
        try {
            launch(settings);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot restart Pebble", e);
        }
    }

    /**
     * The port Pebble connects to on {@code 127.0.0.1} to validate HTTP-01 challenges.
     *
     * @return the port
     */
    public int httpPort() {
        return httpPort;
    }

    /**
     * The port Pebble connects to on {@code 127.0.0.1} to validate TLS-ALPN-01 challenges.
     *
     * @return the port
     */
    public int tlsPort() {
        return tlsPort;
    }

    /**
     * The EAB keys (key id to base64url HMAC key) Pebble accepts; empty when EAB is not required.
     *
     * @return the keys by key id
     */
    public Map<String, String> externalAccountKeys() {
        return externalAccountKeys;
    }

    /**
     * PEM of the root that issues this run's certificates (Pebble makes a new one at every start).
     *
     * @return the PEM text
     */
    public String rootPem() {
        return rootPem(0);
    }

    /**
     * PEM of root {@code index}: 0 for the default chain's, 1 and up for the alternate chains of
     * {@link Builder#alternateRoots}.
     *
     * @param index the root's index
     * @return the PEM text
     */
    public String rootPem(int index) {
        return get(managementUri("/roots/" + index));
    }

    /**
     * PEM of the intermediate that signs this run's certificates.
     *
     * @return the PEM text
     */
    public String intermediatePem() {
        return get(managementUri("/intermediates/0"));
    }

    /**
     * {@link #rootPem()} parsed.
     *
     * @return the root
     */
    public X509Certificate root() {
        return parseCertificate(rootPem());
    }

    /**
     * {@link #intermediatePem()} parsed.
     *
     * @return the intermediate
     */
    public X509Certificate intermediate() {
        return parseCertificate(intermediatePem());
    }

    /**
     * Whether Pebble has recorded the certificate with this serial number as revoked.
     *
     * @param serial the certificate's serial number
     * @return whether it is revoked
     * @throws IllegalStateException if Pebble does not know the serial number
     */
    public boolean isRevoked(BigInteger serial) {
        var status = get(managementUri("/cert-status-by-serial/" + serial.toString(16)));
        return status.replace(" ", "").contains("\"Status\":\"Revoked\"");
    }

    /**
     * Makes the mock DNS answer TXT queries for {@code name} with {@code value}, replacing earlier values.
     *
     * @param name a DNS name such as {@code _acme-challenge.shop.test}; a trailing dot is optional
     * @param value the record's text
     */
    public void setTxt(String name, String value) {
        postDns("/set-txt", "{\"host\":\"" + fqdn(name) + "\",\"value\":\"" + jsonSafe(value) + "\"}");
    }

    /**
     * Removes the TXT records of {@code name} from the mock DNS.
     *
     * @param name a DNS name
     */
    public void clearTxt(String name) {
        postDns("/clear-txt", "{\"host\":\"" + fqdn(name) + "\"}");
    }

    /**
     * Pebble's console output so far, for diagnosing a failed test.
     *
     * @return the log
     */
    public String log() {
        return WorkDirectories.log(workDir.resolve("pebble.log"));
    }

    /** Stops Pebble and the mock DNS and deletes their working directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopProcesses();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: the processes are being stopped anyway
        }
        WorkDirectories.delete(workDir);
    }

    @Override
    public String toString() {
        return "Pebble[" + directory() + ", httpPort=" + httpPort + ", tlsPort=" + tlsPort + "]";
    }

    private void launch(Builder builder) throws IOException {
        var pebble = findExecutable("pebble", builder.installation);
        var challtestsrv = findExecutable("pebble-challtestsrv", builder.installation);

        var dns = new ProcessBuilder(challtestsrv.toString(),
                "-defaultIPv4", LOOPBACK, "-defaultIPv6", "",
                "-dns01", LOOPBACK + ":" + dnsPort,
                "-management", LOOPBACK + ":" + dnsManagementPort,
                "-http01", "", "-https01", "", "-tlsalpn01", "")
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("challtestsrv.log").toFile());
        processes.add(dns.start());

        var config = workDir.resolve("pebble-config.json");
        Files.writeString(config, config(builder));
        var ca = new ProcessBuilder(pebble.toString(), "-config", config.toString(),
                "-dnsserver", builder.dnsServer == null ? LOOPBACK + ":" + dnsPort
                        : builder.dnsServer.getHostString() + ":" + builder.dnsServer.getPort(), "-strict=false")
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("pebble.log").toFile());
        if (!builder.validationDelays) {
            ca.environment().put("PEBBLE_VA_NOSLEEP", "1");
        }
        if (builder.nonceRejectPercent >= 0) {
            ca.environment().put("PEBBLE_WFE_NONCEREJECT", Integer.toString(builder.nonceRejectPercent));
        }
        if (builder.authorizationReusePercent >= 0) {
            ca.environment().put("PEBBLE_AUTHZREUSE", Integer.toString(builder.authorizationReusePercent));
        }
        if (builder.alternateRoots > 0) {
            ca.environment().put("PEBBLE_ALTERNATE_ROOTS", Integer.toString(builder.alternateRoots));
        }
        processes.add(ca.start());
        awaitReady();
    }

    private String config(Builder builder) {
        var keys = externalAccountKeys.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\": \"" + e.getValue() + "\"")
                .collect(Collectors.joining(", ", "{", "}"));
        return "{\n  \"pebble\": {\n"
                + "    \"listenAddress\": \"" + LOOPBACK + ":" + acmePort + "\",\n"
                + "    \"managementListenAddress\": \"" + LOOPBACK + ":" + managementPort + "\",\n"
                + "    \"certificate\": \"" + listener.certificateFile() + "\",\n"
                + "    \"privateKey\": \"" + listener.privateKeyFile() + "\",\n"
                + "    \"httpPort\": " + httpPort + ",\n"
                + "    \"tlsPort\": " + tlsPort + ",\n"
                + "    \"ocspResponderURL\": \"\",\n"
                + "    \"certificateValidityPeriod\": " + builder.certificateValidity.toSeconds() + ",\n"
                + "    \"externalAccountBindingRequired\": " + !externalAccountKeys.isEmpty() + ",\n"
                + "    \"externalAccountMACKeys\": " + keys + "\n"
                + "  }\n}\n";
    }

    private void awaitReady() {
        var deadline = Instant.now().plus(START_TIMEOUT);
        var dnsReady = false;
        while (Instant.now().isBefore(deadline)) {
            for (var process : processes) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Pebble exited with code " + process.exitValue()
                            + " while starting. Its output:\n" + log() + "\nchalltestsrv output:\n" + dnsLog());
                }
            }
            try {
                if (!dnsReady) {
                    clearTxt("_ready.certpilot.test");
                    dnsReady = true;
                }
                var response = http.send(HttpRequest.newBuilder(directory()).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException | IllegalStateException notYet) {
                // still starting: connection refused
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for Pebble to start", e);
            }
            sleep(Duration.ofMillis(25));
        }
        throw new IllegalStateException("Pebble did not answer at " + directory() + " within " + START_TIMEOUT
                + ". Its output:\n" + log());
    }

    private String dnsLog() {
        return WorkDirectories.log(workDir.resolve("challtestsrv.log"));
    }

    private synchronized void stopProcesses() {
        for (var process : processes) {
            process.destroy();
        }
        for (var process : processes) {
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    private URI managementUri(String path) {
        return URI.create("https://" + LOOPBACK + ":" + managementPort + path);
    }

    private String get(URI uri) {
        var response = send(HttpRequest.newBuilder(uri).GET());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body();
    }

    private void postDns(String path, String json) {
        var uri = URI.create("http://" + LOOPBACK + ":" + dnsManagementPort + path);
        var response = send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(json)));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("POST " + uri + " answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new IllegalStateException("Pebble is not running (closed or crashed). Its output:\n" + log(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while talking to Pebble", e);
        }
    }

    private static Path findExecutable(String name, Path installation) {
        var path = Objects.requireNonNullElse(System.getenv("PATH"), "");
        var dirs = installation != null ? Stream.of(installation.toString())
                : Stream.concat(Stream.of(path.split(java.io.File.pathSeparator)), Stream.of("/usr/bin"));
        return dirs
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("'" + name + "' was not found "
                        + (installation != null ? "in " + installation : "on the PATH") + ". "
                        + "The tests run against a real Pebble ACME server; install it with: " + INSTALL_COMMAND));
    }

    private static SSLContext trusting(X509Certificate ca) {
        try {
            var trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
            trustStore.load(null, null);
            trustStore.setCertificateEntry("pebble-listener-ca", ca);
            var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore);
            var context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot build an SSL context trusting Pebble's listener", e);
        }
    }

    static X509Certificate parseCertificate(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new IllegalStateException("Pebble answered something that is not a PEM certificate", e);
        }
    }

    static String pem(X509Certificate certificate) {
        try {
            var base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(certificate.getEncoded());
            return "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fqdn(String name) {
        if (!name.matches("[A-Za-z0-9_.*-]{1,253}")) {
            throw new IllegalArgumentException("Not a DNS name: '" + name + "'");
        }
        return name.endsWith(".") ? name : name + ".";
    }

    private static String jsonSafe(String value) {
        if (!value.matches("[\\x20-\\x7e&&[^\"\\\\]]*")) {
            throw new IllegalArgumentException("TXT value must be printable ASCII without quotes or backslashes");
        }
        return value;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Pebble to start", e);
        }
    }

    /**
     * Settings of a Pebble to start. Not thread-safe; {@link #start()} may be called more than once, each
     * call starting a new, independent Pebble.
     */
    public static final class Builder {
        private Duration certificateValidity = Duration.ofDays(90);
        private final Map<String, String> externalAccountKeys = new LinkedHashMap<>();
        private int nonceRejectPercent = -1;
        private boolean validationDelays;
        private int authorizationReusePercent = -1;
        private Path installation;
        private InetSocketAddress dnsServer;
        private int alternateRoots;

        private Builder() {
        }

        private Builder copy() {
            var copy = new Builder();
            copy.certificateValidity = certificateValidity;
            copy.externalAccountKeys.putAll(externalAccountKeys);
            copy.nonceRejectPercent = nonceRejectPercent;
            copy.validationDelays = validationDelays;
            copy.authorizationReusePercent = authorizationReusePercent;
            copy.installation = installation;
            copy.dnsServer = dnsServer;
            copy.alternateRoots = alternateRoots;
            return copy;
        }

        /**
         * The directory holding {@code pebble} and {@code pebble-challtestsrv}; default: the PATH, then /usr/bin.
         *
         * @param directory the directory
         * @return this builder
         */
        public Builder installation(Path directory) {
            this.installation = Objects.requireNonNull(directory, "installation");
            return this;
        }

        /**
         * The DNS server Pebble resolves names through (DNS-01 records, and the addresses of HTTP-01 and
         * TLS-ALPN-01 hosts), such as a {@link Bind} that the test updates; default: its own mock DNS, which answers
         * 127.0.0.1 for every name and the records set by {@link Pebble#setTxt}.
         *
         * @param server the DNS server's address
         * @return this builder
         */
        public Builder dnsServer(InetSocketAddress server) {
            this.dnsServer = Objects.requireNonNull(server, "server");
            return this;
        }

        /**
         * Issues every certificate under {@code roots} more chains too, each to its own root, linked from the
         * certificate as ACME alternates; default none.
         *
         * @param roots the alternate roots
         * @return this builder
         */
        public Builder alternateRoots(int roots) {
            if (roots < 0 || roots > 5) {
                throw new IllegalArgumentException("alternateRoots must be 0 to 5, got " + roots);
            }
            this.alternateRoots = roots;
            return this;
        }

        /**
         * How long issued certificates are valid; default 90 days. Minutes are handy for renewal tests.
         *
         * @param validity the validity, positive
         * @return this builder
         */
        public Builder certificateValidity(Duration validity) {
            if (validity.toSeconds() < 1) {
                throw new IllegalArgumentException("certificateValidity must be at least one second, got " + validity);
            }
            this.certificateValidity = validity;
            return this;
        }

        /**
         * Requires External Account Binding and accepts this key; may be called for several keys.
         *
         * @param keyId   the EAB key identifier, such as {@code kid-1}
         * @param hmacKey the HMAC key, base64url-encoded
         * @return this builder
         */
        public Builder externalAccountKey(String keyId, String hmacKey) {
            if (!KEY_ID.matcher(keyId).matches()) {
                throw new IllegalArgumentException("keyId must be 1 to 64 of [A-Za-z0-9_-], got '" + keyId + "'");
            }
            if (!BASE64URL.matcher(hmacKey).matches()) {
                throw new IllegalArgumentException("hmacKey of '" + keyId + "' must be base64url, 16 to 512 characters");
            }
            externalAccountKeys.put(keyId, hmacKey);
            return this;
        }

        /**
         * Lets Pebble's validator sleep 0 to 15 seconds at random before each validation, as by Pebble's default;
         * without this the validator does not sleep. For tests that act while an order is pending.
         *
         * @return this builder
         */
        public Builder validationDelays() {
            this.validationDelays = true;
            return this;
        }

        /**
         * Percentage of valid nonces Pebble rejects as bad, 0 to 100; default Pebble's own (5).
         *
         * @param percent 0 to 100
         * @return this builder
         */
        public Builder nonceRejectPercent(int percent) {
            this.nonceRejectPercent = percent(percent, "nonceRejectPercent");
            return this;
        }

        /**
         * Percentage of valid authorizations Pebble reuses for new orders, 0 to 100; default Pebble's own (50). Pebble
         * 2.4 still reuses one in a hundred at 0 (its test is {@code rand.Intn(100) > percent}): a test that needs a
         * renewal to validate again must allow for it, or order a name the account never validated.
         *
         * @param percent 0 to 100
         * @return this builder
         */
        public Builder authorizationReusePercent(int percent) {
            this.authorizationReusePercent = percent(percent, "authorizationReusePercent");
            return this;
        }

        /**
         * Starts Pebble and the mock DNS and waits until the ACME directory answers.
         *
         * @return the running Pebble
         * @throws IllegalStateException if Pebble is not installed (the message gives the install command)
         * or does not start
         */
        public Pebble start() {
            Pebble pebble;
            try {
                pebble = new Pebble(this);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot prepare Pebble's working directory", e);
            }
            try {
                pebble.launch(this);
                return pebble;
            } catch (IOException | RuntimeException e) {
                pebble.close();
                if (e instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new UncheckedIOException("Cannot start Pebble", (IOException) e);
            }
        }

        private static int percent(int percent, String field) {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException(field + " must be 0 to 100, got " + percent);
            }
            return percent;
        }
    }
}
