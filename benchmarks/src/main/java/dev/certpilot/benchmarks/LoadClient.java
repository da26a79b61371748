package dev.certpilot.benchmarks;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import dev.certpilot.test.TlsClient;

/**
 * Clients doing full TLS handshakes (sessions invalidated, never resumed) to a local port, each optionally
 * followed by a GET, recording latencies and failures. Trusts any certificate: a benchmark, not a client.
 */
final class LoadClient {

    /** What one run did. */
    record Result(long operations, long failures, double seconds, List<Long> latenciesMicros, String firstFailure) {
        double perSecond() {
            return operations / seconds;
        }
    }

    private final SSLContext context;

    LoadClient() throws Exception {
        context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
    }

    /**
     * Runs {@code threads} clients for {@code duration}; client {@code i}'s n-th handshake asks for
     * {@code sni.apply(n)}; with {@code get}, each handshake is followed by {@code GET /}.
     */
    Result run(int port, int threads, Duration duration, IntFunction<String> sni, boolean get) throws Exception {
        var deadline = System.nanoTime() + duration.toNanos();
        return run(port, threads, () -> System.nanoTime() - deadline >= 0, sni, get);
    }

    /** As {@link #run(int, int, Duration, IntFunction, boolean)}, until {@code done} says so. */
    Result run(int port, int threads, BooleanSupplier done, IntFunction<String> sni, boolean get) throws Exception {
        var running = new AtomicBoolean(true);
        var operations = new AtomicLong();
        var failures = new AtomicLong();
        var latencies = new ConcurrentLinkedQueue<Long>();
        var firstFailure = new ConcurrentLinkedQueue<String>();
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                var n = 0;
                while (running.get()) {
                    var name = sni.apply(n++);
                    var started = System.nanoTime();
                    try (var client = TlsClient.connect(context, port, name)) {
                        if (get) {
                            client.get(name, "/");
                        }
                        client.socket().getSession().invalidate();
                        latencies.add((System.nanoTime() - started) / 1000);
                        operations.incrementAndGet();
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        if (firstFailure.isEmpty()) {
                            firstFailure.add(e.toString());
                        }
                    }
                }
            });
        }
        var start = System.nanoTime();
        for (var worker : workers) {
            worker.start();
        }
        while (!done.getAsBoolean()) {
            Thread.sleep(10);
        }
        running.set(false);
        for (var worker : workers) {
            worker.join();
        }
        var seconds = (System.nanoTime() - start) / 1e9;
        return new Result(operations.get(), failures.get(), seconds, List.copyOf(latencies), firstFailure.peek());
    }
}
