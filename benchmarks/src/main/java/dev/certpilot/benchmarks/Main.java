package dev.certpilot.benchmarks;

import java.util.List;

/**
 * Runs the benchmarks named on the command line ({@code issuance}, {@code cold}, {@code handshake}, {@code scale},
 * {@code swap}, {@code cluster}, {@code clusterscale}, {@code ondemand}, {@code startup};
 * all by default) and prints their table. Run through {@code benchmarks/run}.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        var which = args.length == 0 ? List.of("issuance", "cold", "startup", "handshake", "scale", "swap",
                "cluster", "clusterscale", "ondemand") : List.of(args);
        var table = new Table();
        System.out.printf("Java %s, %d cores, max heap %d MB%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        for (var name : which) {
            System.out.println("== " + name);
            switch (name) {
                case "issuance" -> IssuanceBenchmark.run(table);
                case "cold" -> ColdStartBenchmark.run(table);
                case "swap" -> SwapBenchmark.run(table);
                case "cluster" -> ClusterBenchmark.run(table);
                case "clusterscale" -> ClusterScaleBenchmark.run(table, Integer.getInteger("clusterscale.names",
                        1_000_000));
                case "ondemand" -> OnDemandBenchmark.run(table);
                case "startup" -> StartupBenchmark.run(table);
                case "handshake" -> HandshakeBenchmark.run(table, Integer.getInteger("names", 10_000));
                case "scale" -> {
                    ScaleBenchmark.run(table, Integer.getInteger("scale.names", 100_000), true);
                    if (!Boolean.getBoolean("quick")) {
                        ScaleBenchmark.run(table, 1_000_000, false);
                    }
                }
                default -> throw new IllegalArgumentException("Unknown benchmark '" + name
                        + "'; choose from issuance, cold, startup, handshake, scale, swap, cluster, clusterscale, "
                        + "ondemand");
            }
        }
        table.print();
        System.exit(0);
    }
}
