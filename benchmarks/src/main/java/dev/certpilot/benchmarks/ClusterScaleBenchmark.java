package dev.certpilot.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.certpilot.jdbc.JdbcCertificateStore;
import dev.certpilot.test.MariaDb;
import dev.certpilot.test.PostgreSql;

/**
 * A million names across a cluster, on PostgreSQL, then on MariaDB: three nodes ({@link ScaleNode}, each a JVM of
 * its own) on one database holding
 * {@code count} certificates. Each node's start-up alone until every name is served, beside the store's listing
 * alone, and its retained heap per certificate;
 * then, with renewals stored elsewhere at the rate {@code count} certificates of 90 days renewed at two thirds of
 * their life need, the listing entries each node reads in a minute through the change feed, beside one node without
 * it (the revision and whole listings) in the same run. The store is filled by copying one saved certificate's row
 * under every name in one statement.
 */
final class ClusterScaleBenchmark {

    /** The names renewed are the first ones, at most this many. */
    static final int RENEWED_AT_MOST = 100;
    private static final int NODES = 3;
    private static final int SECONDS = 60;

    private ClusterScaleBenchmark() {
    }

    static String name(int i) {
        return "s" + i + ".scale.test";
    }

    static void run(Table table, int count) throws Exception {
        try (var postgres = PostgreSql.start()) {
            run(table, count, "PostgreSQL", postgres.createDatabase("scale"),
                    "generate_series(0, " + (count - 1) + ") g", "'s' || g || '.scale.test'");
        }
        try (var mariadb = MariaDb.start()) {
            run(table, count, "MariaDB", mariadb.createDatabase("scale"), "seq_0_to_" + (count - 1) + " g",
                    "CONCAT('s', g.seq, '.scale.test')");
        }
    }

    /**
     * @param numbers a table of {@code count} rows, as the database makes them
     * @param name    the name of each row's certificate, from {@code numbers}
     */
    private static void run(Table table, int count, String database, String url, String numbers, String name)
            throws Exception {
        var certificates = new SelfSignedCertificates();
        fill(url, count, certificates, numbers, name);
        // a million 90-day certificates renewed at two thirds of their life: count / 60 days
        var interval = Duration.ofDays(60).dividedBy(count);
        var renewals = (int) Math.max(1, Math.min(RENEWED_AT_MOST, Duration.ofSeconds(SECONDS).dividedBy(interval)));
        var every = Duration.ofSeconds(SECONDS - 5).dividedBy(renewals); // the last one served within the minute
        System.out.printf("  (renewals every %d ms: %d in %d s)%n", every.toMillis(), renewals, SECONDS);

        var listing = listingAlone(url);
        // each node's start-up alone: on machines of their own, nodes would not share these two cores (and a
        // running node's first checks, which ask a CA that never answers here, take them)
        var starts = new ArrayList<Long>();
        var heaps = new ArrayList<Long>();
        for (int i = 0; i < NODES; i++) {
            try (var node = new Node(url, count, false)) {
                starts.add(node.await("STARTED"));
                heaps.add(node.await("HEAP"));
            }
        }
        var nodes = new ArrayList<Node>();
        for (int i = 0; i < NODES; i++) {
            nodes.add(new Node(url, count, false));
        }
        for (var node : nodes) {
            node.await("HEAP");
        }
        var feed = measure(nodes, url, certificates, 0, renewals, every);
        nodes.forEach(Node::close);

        var plain = new Node(url, count, true);
        plain.await("STARTED");
        plain.await("HEAP");
        var whole = measure(List.of(plain), url, certificates, renewals, renewals, every);
        plain.close();

        var slowest = starts.stream().mapToLong(Long::longValue).max().orElseThrow();
        table.add(NODES + " nodes on one " + database + " with " + count + " certificates: start-up of the slowest node "
                + "(each " + starts.stream().map(ms -> Table.ms(ms)).toList() + ")", Table.ms(slowest),
                Table.ms(listing) + " the store's listing alone", Table.ratio(slowest, listing), "<= 15 s");
        table.add("retained heap per certificate not yet used, each node (" + count + ", " + database + ")",
                String.format("%d bytes", heaps.stream().mapToLong(Long::longValue).max().orElseThrow()),
                "each: " + heaps, "", "<= 1024 bytes");
        table.add("listing entries read per node in a minute of " + renewals + " renewals elsewhere, change feed, "
                + database,
                Long.toString(feed[0]), whole[0] + " one node without it", Table.ratio(feed[0], whole[0]),
                "grows with the renewals, not the store");
        table.add("renewals elsewhere served by every node within the minute, " + database, feed[1] + " of "
                + renewals,
                whole[1] + " of " + renewals + " without it", "", "all");
    }

    /**
     * Tells the nodes to count, stores {@code renewals} renewals (names {@code from}...) one {@code every}, waits
     * out the minute; returns the most entries a node read, and the fewest renewals a node serves.
     */
    private static long[] measure(List<Node> nodes, String url, SelfSignedCertificates certificates, int from,
                                  int renewals, Duration every) throws Exception {
        nodes.forEach(node -> node.send("MEASURE"));
        var started = System.nanoTime();
        try (var store = JdbcCertificateStore.builder(url, null, null).build()) {
            for (int i = 0; i < renewals; i++) {
                var name = name((from + i) % RENEWED_AT_MOST);
                var bundle = certificates.bundle(name, name);
                try (var lease = store.tryLease(name, Duration.ofMinutes(1)).orElseThrow()) {
                    store.save(bundle, lease);
                }
                var next = started + every.toNanos() * (i + 1);
                var wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        }
        var read = 0L;
        var served = Long.MAX_VALUE;
        for (var node : nodes) {
            var fields = node.line("READ").split(" ");
            read = Math.max(read, Long.parseLong(fields[1]) + Long.parseLong(fields[2]));
            served = Math.min(served, Long.parseLong(fields[4]));
            System.out.printf("  (node: %s feed entries, %s listed in %s listings, %s renewals served)%n", fields[1],
                    fields[2], fields[3], fields[4]);
        }
        return new long[] {read, served};
    }

    /** Milliseconds to read the store's whole listing, the second time (the first warms the server's cache). */
    private static double listingAlone(String url) throws Exception {
        try (var store = JdbcCertificateStore.builder(url, null, null).build()) {
            store.list();
            var started = System.nanoTime();
            store.list();
            return (System.nanoTime() - started) / 1e6;
        }
    }

    /** One saved certificate, copied under every name in one statement. */
    private static void fill(String url, int count, SelfSignedCertificates certificates, String numbers, String name)
            throws Exception {
        var started = System.nanoTime();
        var template = certificates.bundle("template", "*.scale.test");
        try (var store = JdbcCertificateStore.builder(url, null, null).build()) {
            store.save(template);
        }
        try (var connection = DriverManager.getConnection(url); var sql = connection.createStatement()) {
            sql.execute("INSERT INTO certpilot_certificate (name, domains, serial, not_before, not_after, chain_pem, "
                    + "private_key, revision, updated_at) SELECT " + name + ", " + name + ", t.serial, t.not_before, "
                    + "t.not_after, t.chain_pem, t.private_key, t.revision, t.updated_at FROM " + numbers + ", "
                    + "certpilot_certificate t WHERE t.name = 'template'");
            sql.execute("DELETE FROM certpilot_certificate WHERE name = 'template'");
            sql.execute("ANALYZE " + (url.startsWith("jdbc:postgresql") ? "" : "TABLE ") + "certpilot_certificate");
        }
        System.out.printf("  (filled %d rows in %.1f s)%n", count, (System.nanoTime() - started) / 1e9);
    }

    /** A {@link ScaleNode} process. */
    private static final class Node implements AutoCloseable {

        private final Process process;
        private final BufferedReader out;
        private final PrintWriter in;

        Node(String url, int count, boolean plain) throws Exception {
            var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx4g", "-cp", System.getProperty("java.class.path"), ScaleNode.class.getName(), url,
                    Integer.toString(count), Integer.toString(SECONDS)));
            if (plain) {
                command.add("plain");
            }
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        /** The number on the next line that starts with {@code key}. */
        long await(String key) throws Exception {
            return Long.parseLong(line(key).split(" ")[1]);
        }

        String line(String key) throws Exception {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(key + " ")) {
                    return line;
                }
            }
            throw new IllegalStateException("The node ended before printing " + key);
        }

        void send(String line) {
            in.println(line);
        }

        @Override
        public void close() {
            process.destroy();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.destroyForcibly();
        }
    }
}
