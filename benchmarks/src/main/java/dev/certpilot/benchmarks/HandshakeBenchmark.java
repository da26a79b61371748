package dev.certpilot.benchmarks;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;

import dev.certpilot.core.FileCertificateStore;
import dev.certpilot.jetty.ManagedSslContextFactory;

/**
 * Full TLS handshakes per second against Jetty with certificates from the manager (1 name, and many names chosen by
 * SNI) versus Jetty with a static key store holding the same single certificate. The configurations alternate over
 * several rounds and the median of each is compared, because these machines are noisy.
 */
final class HandshakeBenchmark {

    private static final int THREADS = 4;
    private static final int ROUNDS = 3;
    private static final Duration ROUND = Duration.ofSeconds(3);

    private HandshakeBenchmark() {
    }

    static void run(Table table, int manyNames) throws Exception {
        var certificates = new SelfSignedCertificates();
        var storage = Files.createTempDirectory("certpilot-bench-handshake");
        var store = new FileCertificateStore(storage);
        var names = new ArrayList<String>();
        for (int i = 0; i < manyNames; i++) {
            var name = "n" + i + ".bench.test";
            names.add(name);
            store.save(certificates.bundle(name, name));
        }
        var one = Servers.offlineManager(storage, List.of(names.get(0)));
        var many = Servers.offlineManager(storage, names);
        one.prepare();
        many.prepare();
        var managedOne = new ManagedSslContextFactory(one);
        var managedMany = new ManagedSslContextFactory(many);
        var baseline = Servers.https(Servers.staticKeyStore(one.certificate(names.get(0)).orElseThrow(), managedOne));
        var certpilotOne = Servers.https(managedOne);
        var certpilotMany = Servers.https(managedMany);
        var client = new LoadClient();
        IntFunction<String> first = n -> names.get(0);
        IntFunction<String> random = n -> names.get(ThreadLocalRandom.current().nextInt(names.size()));

        client.run(Servers.port(baseline), THREADS, Duration.ofSeconds(2), first, false); // warm-up
        client.run(Servers.port(certpilotOne), THREADS, Duration.ofSeconds(2), first, false);
        client.run(Servers.port(certpilotMany), THREADS, Duration.ofSeconds(2), random, false);
        var rates = new ArrayList<List<Double>>(List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
        long failures = 0;
        for (int round = 0; round < ROUNDS; round++) {
            var results = List.of(
                    client.run(Servers.port(baseline), THREADS, ROUND, first, false),
                    client.run(Servers.port(certpilotOne), THREADS, ROUND, first, false),
                    client.run(Servers.port(certpilotMany), THREADS, ROUND, random, false));
            for (int i = 0; i < 3; i++) {
                rates.get(i).add(results.get(i).perSecond());
                failures += results.get(i).failures();
            }
        }
        var base = Stats.median(rates.get(0));
        var single = Stats.median(rates.get(1));
        var multi = Stats.median(rates.get(2));
        table.add("full TLS handshakes/s, 1 name from the manager", String.format("%.0f/s", single),
                String.format("%.0f/s static key store", base), Table.ratio(single, base), ">= 0.95");
        table.add("full TLS handshakes/s, " + manyNames + " names by SNI", String.format("%.0f/s", multi),
                String.format("%.0f/s static key store", base), Table.ratio(multi, base), ">= 0.95");
        table.add("failed handshakes during the handshake runs", Long.toString(failures), "-", "-", "0");
        baseline.stop();
        certpilotOne.stop();
        certpilotMany.stop();
        one.close();
        many.close();
    }
}
