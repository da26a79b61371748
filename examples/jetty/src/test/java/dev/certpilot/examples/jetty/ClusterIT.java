package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.HAProxy;
import dev.certpilot.test.LoopbackPorts;
import dev.certpilot.test.MariaDb;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PostgreSql;
import dev.certpilot.test.TlsClient;

/**
 * Three JVMs of the Jetty example sharing one real PostgreSQL behind a real HAProxy (HTTP round-robin on Pebble's
 * HTTP-01 port, TCP pass-through on its TLS-ALPN-01 port), against a real Pebble: any node answers the CA, each
 * certificate is ordered once, every node serves it within seconds, a node killed mid-order is taken over, and a
 * database outage costs no handshake. On a real MariaDB as well: ordered once, served by every node.
 */
class ClusterIT {

    private static final List<String> DOMAINS = List.of("shop.cluster.test", "www.cluster.test", "api.cluster.test");
    private static final Pattern OBTAINING = Pattern.compile("(Obtaining|Renewing) certificate ");

    @TempDir
    Path logs;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (var node : nodes) {
            node.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void threeNodesBehindHaproxyValidateHttp01ThroughAnyNodeOrderOnceAndServeOneSerialWithinFiveSeconds()
            throws Exception {
        // Pebble waits up to 15 s before each validation, as a CA's queue does: by then every node is in HAProxy's
        // rotation, even those whose JVM started late on a busy machine, and validations reach all three
        var cluster = cluster(Pebble.builder().validationDelays(), "http-01", 60);

        var issued = cluster.awaitStored(Duration.ofSeconds(90));
        var servedEverywhere = awaitServedByAll(cluster, issued, Duration.ofSeconds(5));

        assertThat(servedEverywhere).as("every node serves the new serial within 5 s of its storing")
                .isLessThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(orders()).as("one order across the cluster").isEqualTo(1);
        assertThat(sharedAnswers("http-01")).as("validations that reached a node that did not order (round-robin "
                + "over 3 names and 3 nodes)").isGreaterThanOrEqualTo(2);
    }

    @Test
    void onMariaDbThreeNodesOrderOnceAndServeOneSerialWithinFiveSeconds() throws Exception {
        var mariadb = MariaDb.start();
        resources.add(mariadb);
        var cluster = cluster(Pebble.builder().validationDelays(), "http-01", 60, null,
                mariadb.createDatabase("cluster"));

        var issued = cluster.awaitStored(Duration.ofSeconds(90));
        var servedEverywhere = awaitServedByAll(cluster, issued, Duration.ofSeconds(5));

        assertThat(servedEverywhere).isLessThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(orders()).as("one order across the cluster").isEqualTo(1);
        assertThat(cluster.query("SELECT count(*) FROM certpilot_lease")).as("every lease released").isEqualTo("0");
    }

    @Test
    void threeNodesBehindHaproxyValidateTlsAlpn01ThroughAnyNode() throws Exception {
        var cluster = cluster(Pebble.builder().validationDelays(), "tls-alpn-01", 60);

        var issued = cluster.awaitStored(Duration.ofSeconds(90));
        awaitServedByAll(cluster, issued, Duration.ofSeconds(5));

        assertThat(orders()).isEqualTo(1);
        assertThat(sharedAnswers("tls-alpn-01")).as("validations answered by a node that did not order; logs: %s",
                nodeLogs()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void theNodeHoldingTheLeaseKilledMidOrderIsTakenOverWithinTheLeaseAndNothingIsHalfWritten() throws Exception {
        var leaseSeconds = 8;
        var cluster = cluster(Pebble.builder().validationDelays().authorizationReusePercent(0), "http-01",
                leaseSeconds);

        // mid-order: the holder has published its challenge answers and waits for Pebble's (delayed) validation
        var holder = awaitValue(Duration.ofSeconds(60), () -> cluster.query("SELECT l.holder FROM certpilot_lease l "
                + "WHERE EXISTS (SELECT 1 FROM certpilot_challenge) AND NOT EXISTS (SELECT 1 FROM "
                + "certpilot_certificate)"));
        var victim = nodes.stream().filter(node -> holder.endsWith(" pid " + node.process.pid())).findFirst()
                .orElseThrow(() -> new AssertionError("no node holds " + holder));
        victim.process.destroyForcibly();
        var killedAt = System.nanoTime();
        assertThat(victim.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(cluster.query("SELECT count(*) FROM certpilot_certificate")).as("killed before storing")
                .isEqualTo("0");

        var issued = cluster.awaitStored(Duration.ofSeconds(leaseSeconds + 60));
        var survivors = nodes.stream().filter(node -> node != victim).toList();
        for (var node : survivors) {
            awaitServed(cluster, node, issued, Duration.ofSeconds(10));
        }
        var takeover = Duration.ofNanos(System.nanoTime() - killedAt);
        assertThat(cluster.query("SELECT count(*) FROM certpilot_certificate")).isEqualTo("1");
        assertThat(OBTAINING.matcher(Files.readString(survivors.get(0).log) + Files.readString(survivors.get(1).log))
                .results().count()).as("a survivor ordered it").isGreaterThanOrEqualTo(1);
        // the stored entry is whole: a node started now serves it from the database, key and all
        var late = startNode(cluster, 3);
        awaitServed(cluster, late, issued, Duration.ofSeconds(20));
        assertThat(takeover).as("taken over within the lease and one order (Pebble sleeps up to 15 s)")
                .isLessThan(Duration.ofSeconds(leaseSeconds + 50));
    }

    @Test
    void postgresqlStoppedFor30SecondsWhileNodesServeAndOneRenewsCostsNoHandshakeAndTheRenewalCompletesAfter()
            throws Exception {
        // 90-second certificates are short-lived: they fall due 45 to 49.5 s before they end (half their life, and
        // a jitter of up to a tenth of that): 40.5 to 45 s after issuance, while the database is down (from about 30
        // s to 60 s)
        var cluster = cluster(Pebble.builder().certificateValidity(Duration.ofSeconds(90)), "http-01", 10);
        var first = cluster.awaitStored(Duration.ofSeconds(90));
        awaitServedByAll(cluster, first, Duration.ofSeconds(5));

        var failures = new AtomicInteger();
        var handshakes = new AtomicInteger();
        var lastFailure = new AtomicReference<Throwable>();
        var stop = new AtomicBoolean();
        var prober = new Thread(() -> {
            while (!stop.get()) {
                for (var node : nodes) {
                    try (var client = TlsClient.connect(cluster.trust, node.httpsPort, DOMAINS.get(0))) {
                        client.leaf();
                        handshakes.incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        failures.incrementAndGet();
                        lastFailure.set(e);
                    }
                }
                sleep(50);
            }
        });
        prober.start();
        try {
            sleep(30_000);
            cluster.postgres.stop();
            sleep(30_000);
            cluster.postgres.startAgain();

            var renewed = awaitValue(Duration.ofSeconds(90), () -> {
                var serial = cluster.query("SELECT serial FROM certpilot_certificate");
                return serial != null && !new BigInteger(serial, 16).equals(first) ? serial : null;
            });
            awaitServedByAll(cluster, new BigInteger(renewed, 16), Duration.ofSeconds(10));
        } finally {
            stop.set(true);
            prober.join();
        }
        assertThat(failures.get()).as("failed handshakes (last: %s)", lastFailure.get()).isZero();
        assertThat(handshakes.get()).isGreaterThan(300);
    }

    /** The started cluster: Pebble, PostgreSQL, HAProxy and three example JVMs. */
    private Cluster cluster(Pebble.Builder pebbleBuilder, String challenge, int leaseSeconds) throws Exception {
        var postgres = PostgreSql.start();
        resources.add(postgres);
        return cluster(pebbleBuilder, challenge, leaseSeconds, postgres, postgres.createDatabase("cluster"));
    }

    /** The started cluster on the database at {@code url} (PostgreSQL's {@code postgres}, or another). */
    private Cluster cluster(Pebble.Builder pebbleBuilder, String challenge, int leaseSeconds, PostgreSql postgres,
                            String url) throws Exception {
        var pebble = pebbleBuilder.start();
        resources.add(pebble);
        var cluster = new Cluster(pebble, postgres, url, TlsClient.trusting(pebble.root()), challenge, leaseSeconds);
        for (int i = 0; i < 3; i++) {
            nodes.add(startNode(cluster, i));
        }
        for (int i = 0; i < 3; i++) {
            nodes.set(i, listening(cluster, i, nodes.get(i)));
        }
        var proxy = HAProxy.roundRobinCheckingReadiness(DOMAINS.get(0), pebble.httpPort(),
                nodes.stream().map(node -> node.httpPort).toList(), pebble.tlsPort(),
                nodes.stream().map(node -> node.httpsPort).toList());
        resources.add(proxy);
        return cluster;
    }

    /**
     * {@code node} once it listens; a node that could not bind the free ports it was given (taken meanwhile by a
     * client's outgoing connection, on a busy machine) is started again on others, at most twice.
     */
    private Node listening(Cluster cluster, int index, Node node) throws IOException {
        for (int attempt = 0; ; attempt++) {
            var deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (node.process.isAlive() && System.nanoTime() < deadline) {
                try (var socket = new java.net.Socket()) {
                    socket.connect(new java.net.InetSocketAddress("127.0.0.1", node.httpsPort), 200);
                    return node;
                } catch (IOException notYet) {
                    sleep(50);
                }
            }
            if (node.process.isAlive() || attempt == 2 || !Files.readString(node.log).contains("Cannot listen on")) {
                return node; // the assertions that follow report it, with its log
            }
            node = startNode(cluster, index);
        }
    }

    private Node startNode(Cluster cluster, int index) throws IOException {
        var httpPort = freePort();
        var httpsPort = freePort();
        var log = logs.resolve("node-" + index + ".log");
        var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), JettyExample.class.getName(),
                "--acme-directory", cluster.pebble.directory().toString(),
                "--acme-trust", cluster.pebble.listenerCaFile().toString(),
                "--storage", cluster.url, "--host", "127.0.0.1",
                "--http-port", Integer.toString(httpPort), "--https-port", Integer.toString(httpsPort),
                "--challenge", cluster.challenge, "--lease-duration", Integer.toString(cluster.leaseSeconds)));
        for (var domain : DOMAINS) {
            command.addAll(List.of("--domain", domain));
        }
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        if (cluster.postgres != null) {
            builder.environment().putAll(Map.of("CERTPILOT_DB_USER", PostgreSql.USER));
        }
        var node = new Node(builder.start(), httpPort, httpsPort, log);
        if (index == 3) {
            nodes.add(node);
        }
        return node;
    }

    private int orders() throws IOException {
        var count = 0L;
        for (var node : nodes) {
            count += OBTAINING.matcher(Files.readString(node.log)).results().count();
        }
        return (int) count;
    }

    private String nodeLogs() throws IOException {
        var text = new StringBuilder();
        for (var node : nodes) {
            text.append("\n--- ").append(node.log.getFileName()).append('\n').append(Files.readString(node.log));
        }
        return text.toString();
    }

    private int sharedAnswers(String type) throws IOException {
        var count = 0L;
        for (var node : nodes) {
            count += Pattern.compile("Answering the " + type + " challenge").matcher(Files.readString(node.log))
                    .results().count();
        }
        return (int) count;
    }

    /** Waits until every node presents {@code serial}; returns how long that took. */
    private Duration awaitServedByAll(Cluster cluster, BigInteger serial, Duration timeout) throws Exception {
        var started = System.nanoTime();
        for (var node : nodes) {
            var left = timeout.minusNanos(System.nanoTime() - started);
            awaitServed(cluster, node, serial, left.isNegative() ? Duration.ZERO : left);
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    private void awaitServed(Cluster cluster, Node node, BigInteger serial, Duration timeout) throws Exception {
        var deadline = System.nanoTime() + timeout.toNanos();
        BigInteger seen = null;
        do {
            try (var client = TlsClient.connect(cluster.trust, node.httpsPort, DOMAINS.get(0))) {
                seen = client.leaf().getSerialNumber();
                if (seen.equals(serial)) {
                    return;
                }
            } catch (IOException notYet) {
                // starting, or serving a certificate this trust refuses (the bootstrap one)
            }
            sleep(50);
        } while (System.nanoTime() - deadline < 0);
        throw new AssertionError("Node on port " + node.httpsPort + " serves serial " + (seen == null ? "none"
                : seen.toString(16)) + ", not " + serial.toString(16) + " after " + timeout + ". Its log:\n"
                + Files.readString(node.log));
    }

    private interface Probe {
        String value() throws Exception;
    }

    private String awaitValue(Duration timeout, Probe probe) throws Exception {
        var deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            var value = probe.value();
            if (value != null) {
                return value;
            }
            sleep(20);
        }
        var logsText = new StringBuilder();
        for (var node : nodes) {
            logsText.append("\n--- ").append(node.log.getFileName()).append('\n').append(Files.readString(node.log));
        }
        throw new AssertionError("Nothing after " + timeout + "; the nodes' logs:" + logsText);
    }

    private static int freePort() throws IOException {
        return LoopbackPorts.free();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private record Node(Process process, int httpPort, int httpsPort, Path log) {
    }

    private final class Cluster {

        final Pebble pebble;
        final PostgreSql postgres;
        final String url;
        final SSLContext trust;
        final String challenge;
        final int leaseSeconds;

        Cluster(Pebble pebble, PostgreSql postgres, String url, SSLContext trust, String challenge, int leaseSeconds) {
            this.pebble = pebble;
            this.postgres = postgres;
            this.url = url;
            this.trust = trust;
            this.challenge = challenge;
            this.leaseSeconds = leaseSeconds;
        }

        /** The first column of the first row of {@code sql}, or null: none yet, or no tables yet. */
        String query(String sql) {
            try (var connection = DriverManager.getConnection(url);
                 var rows = connection.createStatement().executeQuery(sql)) {
                return rows.next() ? rows.getString(1) : null;
            } catch (java.sql.SQLException notYet) {
                return null;
            }
        }

        /** Waits for the certificate to be stored; returns its serial. */
        BigInteger awaitStored(Duration timeout) throws Exception {
            return new BigInteger(awaitValue(timeout, () -> query("SELECT serial FROM certpilot_certificate")), 16);
        }
    }
}
