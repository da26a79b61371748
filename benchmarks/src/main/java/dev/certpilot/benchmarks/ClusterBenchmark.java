package dev.certpilot.benchmarks;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.CertificateManagerBuilder;
import dev.certpilot.core.FileCertificateStore;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.jdbc.JdbcCertificateStore;
import dev.certpilot.jetty.AcmeChallengeHandler;
import dev.certpilot.test.HAProxy;
import dev.certpilot.test.MariaDb;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PostgreSql;

/**
 * A cluster against Pebble, beside one node in the same run, on PostgreSQL and on MariaDB: 100 names issued by three
 * managers sharing one database behind a real HAProxy (HTTP-01 round-robin, so most validations reach a node that did not order),
 * against one manager on the file store; what the lease and the published challenge cost per order; and how long
 * until every node serves a certificate another renewed.
 */
final class ClusterBenchmark {

    private static final int NAMES = 100;
    private static final int NODES = 3;

    private ClusterBenchmark() {
    }

    static void run(Table table) throws Exception {
        try (var postgres = PostgreSql.start();
             var mariadb = MariaDb.start();
             var pebble = Pebble.builder().nonceRejectPercent(0).authorizationReusePercent(0).start()) {
            var single = singleNode(pebble);
            var fileCost = perOrderOverhead(new FileCertificateStore(Files.createTempDirectory(
                    "certpilot-bench-overhead")));
            run(table, pebble, single, fileCost, "PostgreSQL", postgres.createDatabase("cluster"),
                    postgres.createDatabase("overhead"), PostgreSql.USER);
            run(table, pebble, single, fileCost, "MariaDB", mariadb.createDatabase("cluster"),
                    mariadb.createDatabase("overhead"), null);
        }
    }

    private static void run(Table table, Pebble pebble, double single, double fileCost, String database, String url,
                            String overheadUrl, String user) throws Exception {
        var cluster = new Cluster(pebble, url, user, database.toLowerCase(java.util.Locale.ROOT));
        try {
            var clustered = cluster.issueAll();
            table.add(NAMES + " names, " + NODES + "-node cluster on " + database, String.format("%.1f s", clustered),
                    String.format("%.1f s one node, file store", single), Table.ratio(clustered, single), "<= 1.20");
            table.add("orders across the cluster for " + NAMES + " names, " + database,
                    Integer.toString(cluster.orders()), Integer.toString(NAMES), Table.ratio(cluster.orders(), NAMES),
                    "= 1.00");
            var renewal = cluster.propagation(10);
            table.add("renewed on one node until served by all, " + database + " (median of 10)",
                    Table.ms(renewal[renewal.length / 2]), "max " + Table.ms(renewal[renewal.length - 1]), "",
                    "median < 1 s, max < 3 s");
        } finally {
            cluster.close();
        }
        try (var jdbc = JdbcCertificateStore.builder(overheadUrl, user, null).build()) {
            var jdbcCost = perOrderOverhead(jdbc);
            table.add("lease + published challenge per order, " + database, Table.ms(jdbcCost),
                    Table.ms(fileCost) + " file store", Table.ratio(jdbcCost, fileCost), "<= 3.00");
        }
    }

    /** Seconds for one manager on the file store to obtain {@link #NAMES} certificates. */
    private static double singleNode(Pebble pebble) throws Exception {
        var http01 = new InMemoryHttp01Responder();
        var server = challengeServer(http01, pebble.httpPort());
        try (var manager = names(builder(pebble, http01), "single")
                .store(new FileCertificateStore(Files.createTempDirectory("certpilot-bench-single"))).build()) {
            var started = System.nanoTime();
            manager.start();
            manager.awaitCertificates(Duration.ofMinutes(5));
            return (System.nanoTime() - started) / 1e9;
        } finally {
            server.stop();
        }
    }

    /**
     * The store operations an order adds in a cluster, in milliseconds: take, renew and release the lease, publish a
     * challenge answer, read it as another node would, and remove it (median of 200).
     */
    private static double perOrderOverhead(CertificateStore store) throws Exception {
        var samples = new double[200];
        for (int i = -20; i < samples.length; i++) {
            var started = System.nanoTime();
            try (var lease = store.tryLease("bench-" + (i & 7), Duration.ofMinutes(1)).orElseThrow()) {
                lease.renew();
                store.putChallenge("http-01/bench.test/token" + i, "token" + i + ".thumbprint", Duration.ofMinutes(5));
                store.challenge("http-01/bench.test/token" + i).orElseThrow();
                store.removeChallenge("http-01/bench.test/token" + i);
            }
            if (i >= 0) {
                samples[i] = (System.nanoTime() - started) / 1e6;
            }
        }
        Arrays.sort(samples);
        return samples[samples.length / 2];
    }

    private static CertificateManagerBuilder builder(Pebble pebble, InMemoryHttp01Responder http01) {
        return CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCaFile()))
                .agreeToTermsOfService()
                .challenges(http01);
    }

    private static CertificateManagerBuilder names(CertificateManagerBuilder builder, String zone) {
        for (int i = 0; i < NAMES; i++) {
            builder.domain("n" + i + "." + zone + ".test");
        }
        return builder;
    }

    private static Server challengeServer(InMemoryHttp01Responder http01, int port) throws Exception {
        var server = new Server();
        var connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new AcmeChallengeHandler(http01, 0, null, new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) {
                return false;
            }
        }));
        server.start();
        return server;
    }

    /** Three managers, each with its own store object and HTTP server, behind HAProxy on Pebble's HTTP port. */
    private static final class Cluster implements AutoCloseable {

        private final List<CertificateManager> managers = new ArrayList<>();
        private final List<Server> servers = new ArrayList<>();
        private final HAProxy proxy;
        private final List<int[]> obtaining = new ArrayList<>();

        private final List<JdbcCertificateStore> stores = new ArrayList<>();
        private final String prefix;

        Cluster(Pebble pebble, String url, String user, String prefix) throws Exception {
            this.prefix = prefix;
            var ports = new ArrayList<Integer>();
            for (int i = 0; i < NODES; i++) {
                var http01 = new InMemoryHttp01Responder();
                var port = freePort();
                servers.add(challengeServer(http01, port));
                ports.add(port);
                var orders = new int[1];
                obtaining.add(orders);
                var store = JdbcCertificateStore.builder(url, user, null).build();
                stores.add(store);
                managers.add(names(builder(pebble, http01), prefix)
                        .store(store)
                        .listener(event -> {
                            if (event instanceof dev.certpilot.core.CertificateEvent.Obtaining) {
                                synchronized (orders) {
                                    orders[0]++;
                                }
                            }
                        })
                        .build());
            }
            proxy = HAProxy.roundRobin(pebble.httpPort(), ports, freePort(), ports);
        }

        /** Seconds until every node serves a certificate from the CA for every name. */
        double issueAll() throws Exception {
            var started = System.nanoTime();
            for (var manager : managers) {
                manager.start();
            }
            for (var manager : managers) {
                manager.awaitCertificates(Duration.ofMinutes(5));
            }
            return (System.nanoTime() - started) / 1e9;
        }

        int orders() {
            var total = 0;
            for (var orders : obtaining) {
                synchronized (orders) {
                    total += orders[0];
                }
            }
            return total;
        }

        /** Milliseconds, sorted, from renewNow returning on node 0 until nodes 1 and 2 serve the new serial. */
        double[] propagation(int samples) throws Exception {
            var result = new double[samples];
            var random = new java.util.Random(1);
            for (int i = 0; i < samples; i++) {
                // renewals at random phases of the other nodes' polls, not locked to them by the previous sample
                Thread.sleep(random.nextInt(2000));
                var name = "n" + i + "." + prefix + ".test";
                BigInteger serial = managers.get(0).renewNow(name).serialNumber();
                var started = System.nanoTime();
                for (var other : managers.subList(1, managers.size())) {
                    while (!other.certificate(name).orElseThrow().serialNumber().equals(serial)) {
                        if (System.nanoTime() - started > TimeUnit.SECONDS.toNanos(30)) {
                            throw new IllegalStateException("A node did not serve the renewed " + name + " in 30 s");
                        }
                        Thread.sleep(5);
                    }
                }
                result[i] = (System.nanoTime() - started) / 1e6;
            }
            Arrays.sort(result);
            return result;
        }

        @Override
        public void close() throws Exception {
            for (var manager : managers) {
                manager.close();
            }
            for (var server : servers) {
                server.stop();
            }
            stores.forEach(JdbcCertificateStore::close);
            proxy.close();
        }
    }

    private static int freePort() throws Exception {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
