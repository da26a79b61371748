package dev.certpilot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real HAProxy terminating TLS in front of an application's plain-HTTP port, as many deployments run it: it
 * listens on a free loopback port with the given certificate, offers {@code h2} and {@code http/1.1}, and adds
 * {@code X-Forwarded-Proto: https} and {@code X-Forwarded-For} to what it forwards.
 *
 * <pre>{@code
 * try (var proxy = HAProxy.terminatingTls(certificateAndKeyPem, app.httpPort())) {
 *     Curl.get(URI.create("https://shop.test:" + proxy.port() + "/"), rootPem);
 * }
 * }</pre>
 *
 * <p>Thread-safe; {@link #close()} stops the process and deletes its folder, and is idempotent. Requires
 * {@value #INSTALL_COMMAND}.
 */
public final class HAProxy implements AutoCloseable {

    /** The command that installs HAProxy on Debian and Ubuntu. */
    public static final String INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y haproxy";

    /** The defaults of a proxy of plain HTTP requests. */
    private static final List<String> HTTP_DEFAULTS = List.of("defaults", "  mode http", "  timeout connect 5s",
            "  timeout client 30s", "  timeout server 30s");

    private final Process process;
    private final Path workDir;
    private final InetAddress address;
    private final int port;

    private HAProxy(Process process, Path workDir, InetAddress address, int port) {
        this.address = address;
        this.process = process;
        this.workDir = workDir;
        this.port = port;
    }

    /**
     * Starts HAProxy on 127.0.0.1 serving {@code pem} (the certificate chain followed by its private key) and
     * forwarding to {@code backendPort} on 127.0.0.1.
     *
     * @param pem the PEM file
     * @param backendPort the backend's port
     * @return the running proxy
     * @throws IllegalStateException if HAProxy is missing (with the install command) or does not start
     */
    public static HAProxy terminatingTls(Path pem, int backendPort) {
        var port = freePort();
        return launch(InetAddress.getLoopbackAddress(), port, HTTP_DEFAULTS, List.of(
                "frontend tls",
                "  bind 127.0.0.1:" + port + " ssl crt " + pem.toAbsolutePath() + " alpn h2,http/1.1",
                "  option forwardfor",
                "  http-request set-header X-Forwarded-Proto https",
                "  default_backend app",
                "backend app",
                "  server app 127.0.0.1:" + backendPort));
    }

    /**
     * Starts HAProxy in front of a site as many are set up, listening for plain HTTP on {@code address}:{@code port}
     * and redirecting every request, the ACME challenge path included, to the same path under {@code prefix} (such
     * as {@code https://www.example.test}) with a 301.
     *
     * @param address the loopback address to listen on, such as 127.0.0.2
     * @param port    the port
     * @param prefix  the scheme and host redirected to
     * @return the running proxy
     * @throws IllegalStateException if HAProxy is missing (with the install command) or does not start
     */
    public static HAProxy redirecting(InetAddress address, int port, String prefix) {
        return launch(address, port, HTTP_DEFAULTS, List.of(
                "frontend web",
                "  bind " + address.getHostAddress() + ":" + port,
                "  http-request redirect prefix " + prefix + " code 301"));
    }

    /**
     * The health check of each backend of {@link #roundRobinCheckingReadiness}, as the README's "Several instances"
     * shows it: {@code GET /ready} for {@code host}, a name the nodes serve (Jetty answers 400 to a request whose
     * host its certificate does not name), over each node's HTTPS port, which a frozen node does not answer.
     *
     * @param host a name the nodes serve
     * @return the configuration lines
     */
    public static List<String> healthCheck(String host) {
        return List.of(
                "  option httpchk",
                "  http-check send meth GET uri /ready ver HTTP/1.1 hdr Host " + host,
                "  http-check expect status 200");
    }

    /**
     * The options of a server line checked by {@link #healthCheck} on {@code httpsPort}, or 0 for its own port.
     *
     * @param host a name the nodes serve
     * @param httpsPort the port checked, or 0
     * @return the options
     */
    public static String checkedServer(String host, int httpsPort) {
        return (httpsPort > 0 ? " check port " + httpsPort : " check") + " check-ssl verify none check-sni " + host;
    }

    /**
     * Starts HAProxy on 127.0.0.1 in front of a cluster, as a load balancer without sticky sessions: HTTP on
     * {@code httpPort}, each request to the next of {@code httpBackends} in turn; and TCP on {@code tlsPort}, each
     * connection passed through, TLS and all, to the next of {@code tlsBackends}. Backends are health-checked every
     * 300 ms by a TCP connection and a failed connection is retried on another, so that a node that dies leaves the
     * rotation in about a second, as behind any production load balancer.
     *
     * @param httpPort the HTTP port
     * @param httpBackends the HTTP backends' ports
     * @param tlsPort the TLS port
     * @param tlsBackends the TLS backends' ports
     * @return the running proxy
     * @throws IllegalStateException if HAProxy is missing (with the install command) or does not start
     */
    public static HAProxy roundRobin(int httpPort, List<Integer> httpBackends, int tlsPort, List<Integer> tlsBackends) {
        return roundRobin(httpPort, httpBackends, tlsPort, tlsBackends, null);
    }

    /**
     * {@link #roundRobin(int, List, int, List)} with the backends health-checked over HTTP, as the README's "Several
     * instances" shows ({@link #healthCheck}: {@code GET /ready} for {@code host} on each node's HTTPS port,
     * {@code tlsBackends}' of the same index), so that a node that freezes, and still accepts TCP connections, leaves
     * the rotation too.
     *
     * @param host a name the nodes serve
     * @param httpPort the HTTP port
     * @param httpBackends the HTTP backends' ports
     * @param tlsPort the TLS port
     * @param tlsBackends the TLS backends' ports
     * @return the running proxy
     * @throws IllegalStateException if HAProxy is missing (with the install command) or does not start
     */
    public static HAProxy roundRobinCheckingReadiness(String host, int httpPort, List<Integer> httpBackends,
                                                      int tlsPort, List<Integer> tlsBackends) {
        return roundRobin(httpPort, httpBackends, tlsPort, tlsBackends, host);
    }

    /** @param readiness the host of the readiness check, or null for TCP checks */
    private static HAProxy roundRobin(int httpPort, List<Integer> httpBackends, int tlsPort, List<Integer> tlsBackends,
                                      String readiness) {
        var lines = new ArrayList<>(List.of(
                "defaults",
                "  timeout connect 5s",
                "  timeout client 30s",
                "  timeout server 30s",
                // an HTTPS readiness check of a JVM that is starting on a busy machine can take a second or two
                "  timeout check 3s",
                // as a load balancer in front of a fleet is set up: a node that refuses connections is taken out
                // within a second, one that stops answering within a few, and a connection it refuses goes to
                // another
                "  default-server check inter 300ms fall 2 rise 1",
                "  option redispatch",
                "  retries 3",
                "frontend http",
                "  mode http",
                "  option http-server-close",
                "  bind 127.0.0.1:" + httpPort,
                "  default_backend http_nodes",
                "backend http_nodes",
                "  mode http",
                "  balance roundrobin"));
        if (readiness != null) {
            lines.addAll(healthCheck(readiness));
        }
        for (int i = 0; i < httpBackends.size(); i++) {
            lines.add("  server node" + i + " 127.0.0.1:" + httpBackends.get(i) + (readiness != null
                    ? checkedServer(readiness, tlsBackends.get(i)) : ""));
        }
        lines.addAll(List.of(
                "frontend tls",
                "  mode tcp",
                "  bind 127.0.0.1:" + tlsPort,
                "  default_backend tls_nodes",
                "backend tls_nodes",
                "  mode tcp",
                "  balance roundrobin"));
        if (readiness != null) {
            lines.addAll(healthCheck(readiness));
        }
        for (int i = 0; i < tlsBackends.size(); i++) {
            lines.add("  server node" + i + " 127.0.0.1:" + tlsBackends.get(i) + (readiness != null
                    ? checkedServer(readiness, 0) : ""));
        }
        return launch(InetAddress.getLoopbackAddress(), httpPort, List.of(), lines);
    }

    /** Writes {@code config}, starts HAProxy on it and waits until it listens at {@code address}:{@code port}. */
    /**
     * Writes the configuration ({@code defaults}, then {@code sections}), starts HAProxy on it in a folder of its own
     * and waits until it listens at {@code address}:{@code port}.
     */
    private static HAProxy launch(InetAddress address, int port, List<String> defaults, List<String> sections) {
        var haproxy = Executables.find("haproxy", INSTALL_COMMAND);
        Path work = null;
        try {
            work = Files.createTempDirectory("certpilot-haproxy-");
            var config = work.resolve("haproxy.cfg");
            var lines = new ArrayList<>(defaults);
            lines.addAll(sections);
            lines.add("");
            Files.writeString(config, String.join("\n", lines));
            var process = new ProcessBuilder(haproxy.toString(), "-db", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(work.resolve("haproxy.log").toFile()).start();
            var proxy = new HAProxy(process, work, address, port);
            proxy.awaitListening();
            return proxy;
        } catch (IOException e) {
            WorkDirectories.delete(work);
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try {
            return LoopbackPorts.free();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The port it listens on, on 127.0.0.1: the TLS port, or with {@link #roundRobin} the HTTP port.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * What HAProxy printed so far.
     *
     * @return the log
     */
    public String log() {
        return WorkDirectories.log(workDir.resolve("haproxy.log"));
    }

    /** Stops HAProxy and deletes its folder. Idempotent. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        WorkDirectories.delete(workDir);
    }

    private void awaitListening() {
        var deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                var log = log();
                close();
                throw new IllegalStateException("HAProxy exited with " + process.exitValue() + ": " + log);
            }
            try (var socket = new Socket(address, port)) {
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new IllegalStateException("Interrupted while HAProxy starts", e);
                }
            }
        }
        var log = log();
        close();
        throw new IllegalStateException("HAProxy did not listen on " + port + " within 10 s: " + log);
    }

    @Override
    public String toString() {
        return "HAProxy[127.0.0.1:" + port + "]";
    }
}
