package dev.certpilot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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

    private final Process process;
    private final Path workDir;
    private final int port;

    private HAProxy(Process process, Path workDir, int port) {
        this.process = process;
        this.workDir = workDir;
        this.port = port;
    }

    /**
     * Starts HAProxy on 127.0.0.1 serving {@code pem} (the certificate chain followed by its private key) and
     * forwarding to {@code backendPort} on 127.0.0.1.
     *
     * @throws IllegalStateException if HAProxy is missing (with the install command) or does not start
     */
    public static HAProxy terminatingTls(Path pem, int backendPort) {
        var haproxy = Executables.find("haproxy", INSTALL_COMMAND);
        Path work = null;
        try {
            work = Files.createTempDirectory("certpilot-haproxy-");
            int port;
            try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            }
            var config = work.resolve("haproxy.cfg");
            Files.writeString(config, String.join("\n",
                    "defaults",
                    "  mode http",
                    "  timeout connect 5s",
                    "  timeout client 30s",
                    "  timeout server 30s",
                    "frontend tls",
                    "  bind 127.0.0.1:" + port + " ssl crt " + pem.toAbsolutePath() + " alpn h2,http/1.1",
                    "  option forwardfor",
                    "  http-request set-header X-Forwarded-Proto https",
                    "  default_backend app",
                    "backend app",
                    "  server app 127.0.0.1:" + backendPort,
                    ""));
            var process = new ProcessBuilder(haproxy.toString(), "-db", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(work.resolve("haproxy.log").toFile()).start();
            var proxy = new HAProxy(process, work, port);
            proxy.awaitListening();
            return proxy;
        } catch (IOException e) {
            WorkDirectories.delete(work);
            throw new UncheckedIOException(e);
        }
    }

    /** The TLS port it listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** What HAProxy printed so far. */
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
            try (var socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
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
