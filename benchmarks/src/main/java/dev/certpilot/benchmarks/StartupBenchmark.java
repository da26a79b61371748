package dev.certpilot.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpServer;

import org.eclipse.jetty.server.Server;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.OnDemandDecision;
import dev.certpilot.core.OnDemandTls;
import dev.certpilot.examples.jetty.JettyExample;
import dev.certpilot.jetty.JettyHttps;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.TlsClient;

/**
 * From process start until a client gets a certificate that verifies against Pebble's root, for the embedded Jetty
 * example (a fresh JVM: default flags, a class-data-sharing archive, that archive with C1 only, and, where a JDK 25 is
 * installed, its AOT cache) beside Caddy
 * (Debian's {@code caddy}, CertMagic inside), on one Pebble without validation sleep, nonce rejection or authorization
 * reuse:
 * a first start on empty storage, which obtains the certificate (HTTP-01, then TLS-ALPN-01), and a restart on that
 * storage, which serves the stored one. Every contender listens on Pebble's validation ports; runs alternate
 * which contender goes first; medians. With {@code -Dstartup.baseline=<class path>}, this build and that one are
 * compared instead, both with an AppCDS archive and C1 only.
 */
final class StartupBenchmark {

    private static final int RUNS = Integer.getInteger("startup.runs", 5);
    private static final long PROBE_MILLIS = 5;

    /** A way to start a server process for {@code domain} on {@code storage}. */
    private interface Contender {
        ProcessBuilder command(Pebble pebble, Challenge challenge, String domain, Path storage) throws IOException;
    }

    private StartupBenchmark() {
    }

    static void run(Table table) throws Exception {
        var caddy = Caddy.executable();
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var classpath = System.getProperty("java.class.path");
        var work = Files.createTempDirectory("certpilot-bench-startup");
        try (var pebble = Pebble.builder().nonceRejectPercent(0).authorizationReusePercent(0).start()) {
            var trust = TlsClient.trusting(pebble.root());
            var archive = work.resolve("example.jsa");
            var contenders = new LinkedHashMap<String, Contender>();
            contenders.put("certpilot", (p, c, d, s) -> example(List.of(java), classpath, p, c, d, s));
            contenders.put("certpilot, AppCDS", (p, c, d, s) -> example(List.of(java,
                    "-XX:SharedArchiveFile=" + archive), classpath, p, c, d, s));
            contenders.put("certpilot, AppCDS, C1 only", (p, c, d, s) -> example(List.of(java,
                    "-XX:SharedArchiveFile=" + archive, "-XX:TieredStopAtLevel=1"), classpath, p, c, d, s));
            // the archive, written by one training run (first start, stop), as a deployment would build it
            train(List.of(java, "-XX:ArchiveClassesAtExit=" + archive), archive, classpath, pebble, trust, work);
            var baseline = System.getProperty("startup.baseline");
            var newer = baseline != null ? null : Jdks.atLeast(25);
            if (baseline != null) {
                // A/B: this build against another build's class path, both as the demo runs (AppCDS, C1 only)
                contenders.clear();
                var baselineArchive = work.resolve("baseline.jsa");
                train(List.of(java, "-XX:ArchiveClassesAtExit=" + baselineArchive), baselineArchive, baseline, pebble,
                        trust, work);
                contenders.put("this build, AppCDS, C1 only", (p, c, d, s) -> example(List.of(java,
                        "-XX:SharedArchiveFile=" + archive, "-XX:TieredStopAtLevel=1"), classpath, p, c, d, s));
                contenders.put("baseline build, AppCDS, C1 only", (p, c, d, s) -> example(List.of(java,
                        "-XX:SharedArchiveFile=" + baselineArchive, "-XX:TieredStopAtLevel=1"), baseline, p, c, d, s));
            } else if (newer != null) {
                // JDK 25's AOT cache (JEP 483, 514, 515): classes loaded and linked, and method profiles, from a
                // training run the same way; the library stays on Java 17, only the JVM that runs it is newer
                var cache = work.resolve("example.aot");
                train(List.of(newer.toString(), "-XX:AOTCacheOutput=" + cache), cache, classpath, pebble, trust, work);
                // AOTMode=on: a cache the JVM cannot use fails the run instead of being ignored
                contenders.put(AOT, (p, c, d, s) -> example(List.of(newer.toString(), "-XX:AOTMode=on",
                        "-XX:AOTCache=" + cache), classpath, p, c, d, s));
                contenders.put(AOT + ", C1 only", (p, c, d, s) -> example(List.of(newer.toString(),
                        "-XX:AOTMode=on", "-XX:AOTCache=" + cache, "-XX:TieredStopAtLevel=1"), classpath, p, c, d, s));
            } else if (baseline == null) {
                System.out.println("  (no JDK 25 or later under /usr/lib/jvm: the AOT cache is not measured)");
            }
            contenders.put("Caddy", (p, c, d, s) -> caddy(caddy, p, c, d, s));

            for (var challenge : Challenge.values()) {
                var first = new LinkedHashMap<String, List<Double>>();
                var again = new LinkedHashMap<String, List<Double>>();
                var names = new ArrayList<>(contenders.keySet());
                for (int run = 0; run < RUNS; run++) {
                    for (int i = 0; i < names.size(); i++) {
                        var name = names.get((i + run) % names.size()); // each goes first in turn
                        var contender = contenders.get(name);
                        var domain = "r" + run + "-" + name.replaceAll("[^a-zA-Z]", "").toLowerCase() + "-"
                                + challenge.flag + ".startup.test";
                        var storage = work.resolve(domain);
                        Files.createDirectories(storage);
                        first.computeIfAbsent(name, n -> new ArrayList<>()).add(serve(
                                contender.command(pebble, challenge, domain, storage), trust, pebble.tlsPort(),
                                domain));
                        again.computeIfAbsent(name, n -> new ArrayList<>()).add(serve(
                                contender.command(pebble, challenge, domain, storage), trust, pebble.tlsPort(),
                                domain));
                    }
                }
                report(table, "process start to a served CA certificate, empty storage, " + challenge.flag, first);
                report(table, "restart to serving the stored certificate (1 stored), " + challenge.flag, again);
            }
            if (baseline == null && STORED > 1) {
                many(table, caddy, List.of(java, "-XX:SharedArchiveFile=" + archive, "-XX:TieredStopAtLevel=1"),
                        classpath, pebble, trust, work);
            }
        } finally {
            ScaleBenchmark.delete(work);
        }
    }

    /**
     * How many certificates the restart with many stored certificates starts from. Not 1,000: Caddy 2.6 stopped
     * issuing on demand after 659 names (handshakes timed out for two minutes), while certpilot filled 1,000 in 41 s.
     */
    private static final int STORED = Integer.getInteger("startup.stored", 500);

    /**
     * A restart with {@link #STORED} stored certificates: each contender first obtains them on demand (one handshake
     * per name, HTTP-01) on its own storage, then is restarted and timed until a stored name's certificate verifies.
     * On demand, because that is how both servers come to hold that many certificates: the example manages one
     * configured certificate, Caddy one per site block.
     */
    private static void many(Table table, Path caddy, List<String> java, String classpath, Pebble pebble,
                             SSLContext trust, Path work) throws Exception {
        var ask = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        ask.createContext("/check", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        ask.start();
        try {
            var askUri = "http://127.0.0.1:" + ask.getAddress().getPort() + "/check";
            var contenders = new LinkedHashMap<String, Contender>();
            contenders.put("certpilot, AppCDS, C1 only", (p, c, suffix, s) -> {
                var command = example(java, classpath, p, c, "unused", s).command();
                var domain = command.indexOf("--domain");
                command.set(domain, "--on-demand-allow");
                command.set(domain + 1, "." + suffix);
                return new ProcessBuilder(command);
            });
            contenders.put("Caddy", (p, c, suffix, s) -> Caddy.command(caddy, p, c, s, List.of("  on_demand_tls {",
                    "    ask " + askUri, "  }"), List.of("https:// {", "  tls {", "    on_demand", "  }",
                    "  respond \"ok\"", "}")));
            var times = new LinkedHashMap<String, List<Double>>();
            var storages = new LinkedHashMap<String, Path>();
            for (var name : contenders.keySet()) {
                var suffix = name.replaceAll("[^a-zA-Z]", "").toLowerCase() + ".many.startup.test";
                var storage = work.resolve(suffix);
                Files.createDirectories(storage);
                storages.put(name, storage);
                // certpilot's certificates come from an in-process manager on the same storage, whose on-demand
                // limit is raised: the example keeps the default of 100 new orders an hour
                var filler = name.equals("Caddy") ? process(contenders.get(name).command(pebble, Challenge.HTTP_01,
                        suffix, storage)) : onDemandServer(pebble, suffix, storage);
                var filled = fill(filler, trust, pebble.tlsPort(), suffix);
                System.out.printf("  (%s obtained %d certificates on demand in %.1f s)%n", name, STORED, filled / 1e3);
            }
            var names = new ArrayList<>(contenders.keySet());
            for (int run = 0; run < RUNS; run++) {
                for (int i = 0; i < names.size(); i++) {
                    var name = names.get((i + run) % names.size());
                    var suffix = name.replaceAll("[^a-zA-Z]", "").toLowerCase() + ".many.startup.test";
                    var probe = "n" + (run * 97 % STORED) + "." + suffix;
                    times.computeIfAbsent(name, n -> new ArrayList<>()).add(serve(contenders.get(name)
                            .command(pebble, Challenge.HTTP_01, suffix, storages.get(name)), trust, pebble.tlsPort(),
                            probe));
                }
            }
            report(table, "restart to serving a stored certificate (" + STORED + " stored, obtained on demand)",
                    times);
        } finally {
            ask.stop(0);
        }
    }

    /** A running server that fills its storage on demand; closing it stops it. */
    private interface Filler extends AutoCloseable {
        boolean isAlive();
    }

    private static Filler process(ProcessBuilder command) throws IOException {
        var process = command.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return new Filler() {
            @Override
            public boolean isAlive() {
                return process.isAlive();
            }

            @Override
            public void close() throws Exception {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        };
    }

    /** certpilot in this process, on demand for names under {@code suffix}, with no practical limit on new orders. */
    private static Filler onDemandServer(Pebble pebble, String suffix, Path storage) throws Exception {
        var http01 = new InMemoryHttp01Responder();
        var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .email("ops@bench.test").agreeToTermsOfService().storageDirectory(storage)
                .onDemand(OnDemandTls.builder(OnDemandDecision.suffixes("." + suffix))
                        .maxNewOrders(10 * STORED, Duration.ofHours(1)).handshakeTimeout(Duration.ofSeconds(60))
                        .build())
                .challenges(http01).build();
        var server = new Server();
        JettyHttps.builder(manager).host("127.0.0.1").httpsPort(pebble.tlsPort()).http01(http01)
                .httpPort(pebble.httpPort()).install(server, Servers.okHandler());
        server.start();
        manager.start();
        return new Filler() {
            @Override
            public boolean isAlive() {
                return server.isRunning();
            }

            @Override
            public void close() throws Exception {
                server.stop();
                manager.close();
            }
        };
    }

    /**
     * Makes one handshake with {@code server} for each of {@link #STORED} names under {@code suffix} (8 at a time)
     * until each verifies, stops it and returns the milliseconds it took.
     */
    private static double fill(Filler server, SSLContext trust, int port, String suffix) throws Exception {
        var started = System.nanoTime();
        var pool = Executors.newFixedThreadPool(8);
        try (server) {
            var tasks = new ArrayList<Future<?>>();
            for (int i = 0; i < STORED; i++) {
                var name = "n" + i + "." + suffix;
                tasks.add(pool.submit(() -> {
                    var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    while (true) {
                        try (var client = TlsClient.connect(trust, port, name)) {
                            return null;
                        } catch (IOException notYet) {
                            if (!server.isAlive() || System.nanoTime() > deadline) {
                                throw new IllegalStateException("No verified certificate for " + name, notYet);
                            }
                            Thread.sleep(20);
                        }
                    }
                }));
            }
            for (var task : tasks) {
                task.get();
            }
            return (System.nanoTime() - started) / 1e6;
        } finally {
            pool.shutdownNow();
        }
    }

    private static final String AOT = "certpilot, JDK 25 AOT cache";

    /** One training run (first start, served, stop) that must leave {@code output} behind. */
    private static void train(List<String> java, Path output, String classpath, Pebble pebble, SSLContext trust,
                              Path work) throws Exception {
        var domain = "training" + java.size() + output.getFileName().toString().replaceAll("[^a-z]", "")
                + ".startup.test";
        serve(example(java, classpath, pebble, Challenge.HTTP_01, domain, work.resolve(domain)), trust,
                pebble.tlsPort(), domain);
        if (!Files.isRegularFile(output)) {
            throw new IllegalStateException("The training run " + java + " wrote no " + output);
        }
    }

    private static void report(Table table, String measure, Map<String, List<Double>> times) {
        var caddy = Stats.median(times.get("Caddy"));
        times.forEach((name, list) -> System.out.printf("  (%s, %s: %s ms)%n", measure, name,
                list.stream().map(t -> String.format("%.0f", t)).toList()));
        for (var name : times.keySet()) {
            if (name.equals("Caddy")) {
                continue;
            }
            var mine = Stats.median(times.get(name));
            table.add(measure + " (" + name + ", median of " + RUNS + ")", Table.ms(mine),
                    Table.ms(caddy) + " Caddy 2.6", String.format("%.2fx Caddy", mine / caddy),
                    measure.startsWith("restart") ? "<= 1.0x Caddy" : "<= 1.5x Caddy");
        }
    }

    /**
     * Starts {@code command}, probes until a handshake for {@code domain} verifies, stops the process and returns
     * the milliseconds from start to that handshake.
     */
    private static double serve(ProcessBuilder command, SSLContext trust, int port, String domain) throws Exception {
        var log = Files.createTempFile("certpilot-bench-startup", ".log");
        command.redirectErrorStream(true).redirectOutput(log.toFile());
        var start = System.nanoTime();
        var process = command.start();
        try {
            var deadline = start + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try (var client = TlsClient.connect(trust, port, domain, socket -> {
                    try {
                        socket.setSoTimeout(2_000);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })) {
                    return (System.nanoTime() - start) / 1e6;
                } catch (IOException refusedOrUntrusted) {
                    // not listening yet, or still the bootstrap certificate
                    if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException(String.join(" ", command.command()) + " served no verified "
                                + "certificate for " + domain + (process.isAlive() ? " within 60 s" : " and exited")
                                + "; its output:\n" + Files.readString(log, StandardCharsets.UTF_8),
                                refusedOrUntrusted instanceof SocketTimeoutException ? null : refusedOrUntrusted);
                    }
                    Thread.sleep(PROBE_MILLIS);
                }
            }
        } finally {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            Files.deleteIfExists(log);
        }
    }

    private static ProcessBuilder example(List<String> java, String classpath, Pebble pebble, Challenge challenge,
                                          String domain, Path storage) {
        var command = new ArrayList<>(java);
        command.addAll(List.of("-cp", classpath, JettyExample.class.getName(),
                "--acme-directory", pebble.directory().toString(), "--acme-trust", pebble.listenerCaFile().toString(),
                "--domain", domain, "--email", "ops@bench.test", "--storage", storage.toString(),
                "--host", "127.0.0.1", "--http-port", Integer.toString(pebble.httpPort()),
                "--https-port", Integer.toString(pebble.tlsPort()), "--challenge", challenge.flag));
        return new ProcessBuilder(command);
    }

    private static ProcessBuilder caddy(Path caddy, Pebble pebble, Challenge challenge, String domain, Path storage)
            throws IOException {
        return Caddy.command(caddy, pebble, challenge, storage, List.of(), List.of(domain + " {", "  respond \"ok\"",
                "}"));
    }
}
