package dev.certpilot.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.certpilot.test.Pebble;

/**
 * Whole process, cold: one certificate by HTTP-01 against the same Pebble, from process start to exit, for
 * certpilot ({@link ObtainOnce} in a fresh JVM), lego and certbot (Debian packages). Each runs several times with
 * a new account, storage and domain; medians are compared.
 */
final class ColdStartBenchmark {

    private static final int RUNS = 5;

    private ColdStartBenchmark() {
    }

    static void run(Table table) throws Exception {
        try (var pebble = Pebble.builder().nonceRejectPercent(0).authorizationReusePercent(0).start()) {
            var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            var classpath = System.getProperty("java.class.path");
            var trust = pebble.listenerCaFile().toString();
            var directory = pebble.directory().toString();
            var port = Integer.toString(pebble.httpPort());
            var times = new ArrayList<List<Double>>(List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                    new ArrayList<>()));
            // a class-data-sharing archive, written by one training run, as a deployment would ship it
            var archive = Files.createTempDirectory("certpilot-bench-cds").resolve("certpilot.jsa").toString();
            time(Map.of(), java, "-XX:ArchiveClassesAtExit=" + archive, "-cp", classpath, ObtainOnce.class.getName(),
                    directory, trust, "training.bench.test", port,
                    Files.createTempDirectory("certpilot-bench-cold").toString());
            for (int run = 0; run < RUNS; run++) {
                var dir = Files.createTempDirectory("certpilot-bench-cold");
                times.get(3).add(time(Map.of(), java, "-XX:SharedArchiveFile=" + archive, "-XX:TieredStopAtLevel=1",
                        "-cp", classpath, ObtainOnce.class.getName(), directory, trust, "cds" + run + ".bench.test",
                        port, dir.resolve("cds").toString()));
                times.get(0).add(time(Map.of(), java, "-cp", classpath, ObtainOnce.class.getName(), directory, trust,
                        "certpilot" + run + ".bench.test", port, dir.resolve("certpilot").toString()));
                times.get(1).add(time(Map.of("LEGO_CA_CERTIFICATES", trust), "lego", "--server", directory,
                        "--email", "ops@bench.test", "--accept-tos", "--domains", "lego" + run + ".bench.test",
                        "--http", "--http.port", "127.0.0.1:" + port, "--path", dir.resolve("lego").toString(),
                        "run"));
                times.get(2).add(time(Map.of("REQUESTS_CA_BUNDLE", trust), "certbot", "certonly", "--standalone",
                        "--non-interactive", "--agree-tos", "--email", "ops@bench.test", "--server", directory,
                        "--http-01-address", "127.0.0.1", "--http-01-port", port,
                        "-d", "certbot" + run + ".bench.test",
                        "--config-dir", dir.resolve("certbot/config").toString(),
                        "--work-dir", dir.resolve("certbot/work").toString(),
                        "--logs-dir", dir.resolve("certbot/logs").toString()));
            }
            var certpilot = Stats.median(times.get(0));
            var lego = Stats.median(times.get(1));
            var certbot = Stats.median(times.get(2));
            var faster = Math.min(lego, certbot);
            var tuned = Stats.median(times.get(3));
            table.add("one certificate, whole cold process (median of " + RUNS + ")", Table.ms(certpilot),
                    Table.ms(lego) + " lego, " + Table.ms(certbot) + " certbot",
                    String.format("%.2fx faster than the faster", faster / certpilot), ">= 3x faster");
            table.add("the same, JVM with an AppCDS archive and C1 only", Table.ms(tuned),
                    Table.ms(faster) + " the faster of lego and certbot",
                    String.format("%.2fx faster than the faster", faster / tuned), ">= 3x faster");
        }
    }

    private static double time(Map<String, String> environment, String... command) throws IOException,
            InterruptedException {
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        var start = System.nanoTime();
        var process = builder.start();
        var output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(command[0] + " failed (exit " + process.exitValue() + "):\n" + output);
        }
        return (System.nanoTime() - start) / 1e6;
    }
}
