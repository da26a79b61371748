package dev.certpilot.benchmarks;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import dev.certpilot.examples.jetty.JettyExample;
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
        } finally {
            ScaleBenchmark.delete(work);
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
