package dev.certpilot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A real BIND 9 name server for tests, from Debian's {@code bind9} package: the primary of the zones it is given,
 * each accepting RFC 2136 dynamic updates signed with one TSIG key ({@code hmac-sha256}, a fresh random secret),
 * on a free loopback port (UDP and TCP), in a temporary folder. Every zone has an SOA, {@code ns.<zone>} as its NS
 * (at 127.0.0.1), and A records at its apex and for any name under it, pointing at 127.0.0.1. It answers recursive
 * queries from loopback as a CA's resolver does (following a CNAME from one of its zones into another).
 *
 * <pre>{@code
 * try (var bind = Bind.start("zone.test")) {
 *     // update with bind.keyName() / bind.keySecret() at bind.address(); point Pebble's resolver at it too
 * }
 * }</pre>
 *
 * Thread-safe; requires {@value #INSTALL_COMMAND}: a test that needs it fails with that command, never skips.
 */
public final class Bind implements AutoCloseable {

    /** The command that installs BIND 9 on Debian and Ubuntu. */
    public static final String INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y bind9";

    /** The TSIG algorithm of the update key. */
    public static final String KEY_ALGORITHM = "hmac-sha256";

    private static final Pattern ZONE = Pattern.compile("([a-z0-9-]+\\.)+[a-z]+");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Path workDir;
    private final int port;
    private final String keyName;
    private final String keySecret;
    private final List<String> zones;
    private Process process;

    private Bind(Path workDir, int port, List<String> zones) {
        this.workDir = workDir;
        this.port = port;
        this.zones = zones;
        this.keyName = "certpilot-update";
        var secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.keySecret = Base64.getEncoder().encodeToString(secret);
    }

    /**
     * Writes the configuration and zone files for {@code zones} and starts {@code named} in the foreground.
     *
     * @param zones the zones to serve, such as {@code example.test}
     * @return the running server
     * @throws IllegalStateException if BIND is not installed (with the install command), or does not start
     */
    public static Bind start(String... zones) {
        for (var zone : zones) {
            if (!ZONE.matcher(zone).matches()) {
                throw new IllegalArgumentException("A zone is lower-case labels such as zone.test, got '" + zone + "'");
            }
        }
        var named = Executables.find("named", INSTALL_COMMAND);
        Path work = null;
        try {
            work = Files.createTempDirectory("certpilot-bind-");
            var port = LoopbackPorts.free();
            var bind = new Bind(work, port, List.of(zones));
            bind.launch(named);
            return bind;
        } catch (IOException e) {
            WorkDirectories.delete(work);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            WorkDirectories.delete(work);
            throw e;
        }
    }

    private void launch(Path named) throws IOException {
        var config = new StringBuilder()
                .append("options {\n")
                .append("  directory \"").append(workDir).append("\";\n")
                .append("  pid-file \"").append(workDir.resolve("named.pid")).append("\";\n")
                .append("  listen-on port ").append(port).append(" { 127.0.0.1; };\n")
                .append("  listen-on-v6 { none; };\n")
                .append("  allow-query { any; };\n  notify no;\n  dnssec-validation no;\n")
                // as the CA's own resolver would, it follows a CNAME into another of its zones
                .append("  recursion yes;\n  allow-recursion { 127.0.0.1; };\n")
                .append("};\n")
                .append("key \"").append(keyName).append("\" {\n  algorithm ").append(KEY_ALGORITHM)
                .append(";\n  secret \"").append(keySecret).append("\";\n};\n");
        for (var zone : zones) {
            var file = workDir.resolve(zone + ".db");
            Files.writeString(file, """
                    $TTL 60
                    @   IN SOA ns.%1$s. hostmaster.%1$s. ( 1 60 60 600 1 )
                    @   IN NS  ns.%1$s.
                    ns  IN A   127.0.0.1
                    @   IN A   127.0.0.1
                    *   IN A   127.0.0.1
                    """.formatted(zone));
            config.append("zone \"").append(zone).append("\" {\n  type primary;\n  file \"").append(file)
                    .append("\";\n  allow-update { key \"").append(keyName).append("\"; };\n};\n");
        }
        var conf = workDir.resolve("named.conf");
        Files.writeString(conf, config);
        process = new ProcessBuilder(named.toString(), "-g", "-4", "-n", "1", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(workDir.resolve("named.log").toFile()).start();
        Listening.await(process, "named", this::log, "running", address(), TIMEOUT);
    }

    /**
     * Where it listens: 127.0.0.1 and its port, over UDP and TCP.
     *
     * @return the address
     */
    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /**
     * Its port on 127.0.0.1.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * The name of the TSIG key that may update every zone.
     *
     * @return the key's name
     */
    public String keyName() {
        return keyName;
    }

    /**
     * The key's secret, base64, as in {@code named.conf}.
     *
     * @return the secret
     */
    public String keySecret() {
        return keySecret;
    }

    /**
     * What named logged so far.
     *
     * @return the log
     */
    public String log() {
        return WorkDirectories.log(workDir.resolve("named.log"));
    }

    /** Stops named and deletes its folder. Idempotent. */
    @Override
    public synchronized void close() {
        try {
            if (process != null) {
                process.destroy();
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            WorkDirectories.delete(workDir);
        }
    }

    @Override
    public String toString() {
        return "Bind[127.0.0.1:" + port + " " + zones + "]";
    }
}
