package dev.certpilot.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.FileCertificateStore;
import dev.certpilot.jetty.ManagedSslContextFactory;

/**
 * Many stored certificates on one node, on the file store: start-up ({@code build()} with every name, then
 * {@code start()}, which reads only the store's listing) beside the store's listing alone; the retained heap per
 * certificate not yet used; the first handshake of a certificate not in memory beside one in memory; and full
 * handshakes per second over all the names by SNI beside a static key store. The store is filled by hard-linking one
 * saved certificate's PEM files under each name, with a metadata.json of its own (the listing reads only that), which
 * keeps the set-up to a minute for a million names.
 */
final class ScaleBenchmark {

    private static final int THREADS = 4;

    private ScaleBenchmark() {
    }

    static void run(Table table, int count, boolean handshakes) throws Exception {
        var storage = Files.createTempDirectory("certpilot-bench-scale");
        try {
            var names = fill(storage, count);

            // the copies were written without the store's journal, as by an older version: the first listing
            // reads every metadata.json and writes the journal; the baseline is a listing from then on
            var rebuildStart = System.nanoTime();
            new FileCertificateStore(storage).list();
            var rebuildMillis = (System.nanoTime() - rebuildStart) / 1e6;
            var listStart = System.nanoTime();
            var listed = new FileCertificateStore(storage).list().size();
            var listMillis = (System.nanoTime() - listStart) / 1e6;
            System.out.printf("  (%d certificates: the first listing, which writes the journal, %.0f ms)%n", count,
                    rebuildMillis);
            if (listed != count) {
                throw new IllegalStateException("The store lists " + listed + " of " + count + " certificates");
            }

            var before = usedHeapAfterGc();
            var start = System.nanoTime();
            var manager = Servers.offlineManager(storage, names);
            var built = System.nanoTime();
            manager.prepare();
            var prepared = System.nanoTime();
            manager.start();
            var millis = (System.nanoTime() - start) / 1e6;
            System.out.printf("  (%d certificates: build %.0f ms, prepare %.0f ms, start %.0f ms; listing alone %.0f ms)%n",
                    count, (built - start) / 1e6, (prepared - built) / 1e6, (System.nanoTime() - prepared) / 1e6,
                    listMillis);
            var after = usedHeapAfterGc();
            if (manager.status().stream().anyMatch(s -> s.bootstrap())) {
                throw new IllegalStateException("A stored certificate is not served");
            }
            table.add("start-up with " + count + " stored certificates (build + start)", Table.ms(millis),
                    Table.ms(listMillis) + " the store's listing alone", Table.ratio(millis, listMillis),
                    count >= 1_000_000 ? "<= 15 s" : "<= 2 s");
            table.add("retained heap per stored certificate not yet used (" + count + ")",
                    String.format("%.0f bytes", (after - before) / (double) count), "-", "-", "<= 1024 bytes");
            if (handshakes) {
                handshakes(table, manager, names);
            }
            manager.close();
        } finally {
            delete(storage);
        }
    }

    /**
     * The first handshake of certificates not in memory beside handshakes of certificates in memory, one client at
     * a time (p99 of each, alternating); then handshakes per second over every name by SNI, beside a static key store.
     */
    private static void handshakes(Table table, CertificateManager manager, List<String> names) throws Exception {
        var managed = new ManagedSslContextFactory(manager);
        var server = Servers.https(managed);
        var baseline = Servers.https(Servers.staticKeyStore(manager.certificate(names.get(0)).orElseThrow(), managed));
        var client = new LoadClient();
        try {
            var port = Servers.port(server);
            IntFunction<String> first = n -> names.get(0);
            client.run(port, THREADS, Duration.ofSeconds(2), first, false); // warm-up
            client.run(Servers.port(baseline), THREADS, Duration.ofSeconds(2), first, false);
            var hot = new ArrayList<Long>();
            var cold = new ArrayList<Long>();
            var next = names.size() / 2; // names no handshake used yet
            for (int round = 0; round < 10; round++) {
                for (int i = 0; i < 50; i++) {
                    var name = names.get(next++);
                    cold.addAll(client.run(port, 1, once(), n -> name, false).latenciesMicros());
                    hot.addAll(client.run(port, 1, once(), n -> name, false).latenciesMicros());
                }
            }
            var hotP99 = Stats.percentile(hot, 99) / 1000;
            var coldP99 = Stats.percentile(cold, 99) / 1000;
            table.add("first handshake of a stored certificate not in memory, p99 (500)", Table.ms(coldP99),
                    Table.ms(hotP99) + " the same names in memory", String.format("+%.1f ms", coldP99 - hotP99),
                    "<= +5 ms");

            IntFunction<String> random = n -> names.get(ThreadLocalRandom.current().nextInt(names.size()));
            var rates = new ArrayList<Double>();
            var base = new ArrayList<Double>();
            long failures = 0;
            for (int round = 0; round < 5; round++) { // five rounds: client and server share the cores
                var b = client.run(Servers.port(baseline), THREADS, Duration.ofSeconds(3), first, false);
                var m = client.run(port, THREADS, Duration.ofSeconds(3), random, false);
                base.add(b.perSecond());
                rates.add(m.perSecond());
                failures += b.failures() + m.failures();
                if (m.firstFailure() != null || b.firstFailure() != null) {
                    System.out.println("  first failure: " + (m.firstFailure() != null ? m.firstFailure()
                            : b.firstFailure()));
                }
            }
            var rate = Stats.median(rates);
            var baseRate = Stats.median(base);
            table.add("full TLS handshakes/s, " + names.size() + " names by SNI at random (cache 10000)",
                    String.format("%.0f/s", rate), String.format("%.0f/s static key store", baseRate),
                    Table.ratio(rate, baseRate), ">= 0.95");
            table.add("failed handshakes during the scale runs", Long.toString(failures), "-", "-", "0");
        } finally {
            server.stop();
            baseline.stop();
        }
    }

    private static java.util.function.BooleanSupplier once() {
        var calls = new int[1];
        return () -> calls[0]++ > 0;
    }

    /** Fills {@code storage} with {@code count} certificates named s0.bench.test, s1.bench.test, ... */
    private static List<String> fill(Path storage, int count) throws Exception {
        var started = System.nanoTime();
        var template = new SelfSignedCertificates().bundle("template", "*.bench.test"); // verifies for every name
        new FileCertificateStore(storage).save(template);
        var certificates = storage.resolve("certificates");
        var source = certificates.resolve("template");
        var metadata = Files.readString(source.resolve("metadata.json"));
        var matcher = java.util.regex.Pattern.compile("\"keyAndChainSha256\"\\s*:\\s*\"[0-9a-f]+\"").matcher(metadata);
        if (!matcher.find()) {
            throw new IllegalStateException("The store wrote no keyAndChainSha256 in metadata.json");
        }
        var digest = matcher.group();
        var validity = "\"serial\":\"" + template.serialNumber().toString(16) + "\",\"notBefore\":\""
                + DateTimeFormatter.ISO_INSTANT.format(template.notBefore()) + "\",\"notAfter\":\""
                + DateTimeFormatter.ISO_INSTANT.format(template.notAfter()) + "\"";
        var names = new ArrayList<String>(count);
        var files = new String[] {"privkey.pem", "cert.pem", "chain.pem", "fullchain.pem"};
        var links = storage.resolve("links");
        Path copy = null;
        for (int i = 0; i < count; i++) {
            if (i % 50_000 == 0) { // a file system limits the links to one file (ext4: 65,000)
                copy = Files.createDirectories(links.resolve(Integer.toString(i)));
                for (var file : files) {
                    Files.copy(source.resolve(file), copy.resolve(file));
                }
            }
            var name = "s" + i + ".bench.test";
            names.add(name);
            var dir = Files.createDirectory(certificates.resolve(name));
            for (var file : files) {
                Files.createLink(dir.resolve(file), copy.resolve(file));
            }
            Files.writeString(dir.resolve("metadata.json"), "{" + digest + ",\"name\":\"" + name
                    + "\",\"domains\":[\"" + name + "\"]," + validity + "}\n");
        }
        delete(source); // its files live on under the names that link them
        System.out.printf("  (filled %d certificates in %.1f s)%n", count, (System.nanoTime() - started) / 1e9);
        return names;
    }

    static void delete(Path storage) throws Exception {
        try (var walk = Files.walk(storage)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
