package dev.certpilot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real standalone Tomcat for tests, from Debian's package ({@code CATALINA_HOME} {@value #HOME}), with its own
 * {@code CATALINA_BASE} in a temporary folder, run by {@code catalina.sh run} as an operator would run it. Make the
 * base with {@link #create()}, put {@code conf/server.xml}, jars in {@code lib} and applications in
 * {@code webapps} there, then {@link #start()}. {@link #close()} stops it and deletes the folder; {@link #log()} is
 * what it printed, {@code catalina.out} as it were.
 *
 * <pre>{@code
 * try (var tomcat = StandaloneTomcat.create()) {
 *     Files.writeString(tomcat.base().resolve("conf/server.xml"), serverXml);
 *     tomcat.start().awaitPort(8443, Duration.ofSeconds(60));
 * }
 * }</pre>
 *
 * <p>Thread-safe; requires {@value #INSTALL_COMMAND}: a test that needs it fails with that command, never skips.
 */
public final class StandaloneTomcat implements AutoCloseable {

    /** Where Debian's package installs Tomcat 10.1. */
    public static final String HOME = "/usr/share/tomcat10";

    /** The command that installs Tomcat 10.1 (its binaries, without the system service) on Debian and Ubuntu. */
    public static final String INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y tomcat10-common";

    private final Path base;
    private final Path output;
    private Process process;

    private StandaloneTomcat(Path base) {
        this.base = base;
        this.output = base.resolve("logs/catalina.out");
    }

    /**
     * Makes a new, empty {@code CATALINA_BASE} ({@code conf}, {@code lib}, {@code logs}, {@code temp},
     * {@code webapps}, {@code work}).
     *
     * @return the base, Tomcat not started
     * @throws IllegalStateException if Debian's Tomcat is not installed (with the install command)
     */
    public static StandaloneTomcat create() {
        if (!Files.isRegularFile(Path.of(HOME, "bin", "catalina.sh"))) {
            throw new IllegalStateException("Standalone Tomcat not found at " + HOME + "; install it with: "
                    + INSTALL_COMMAND);
        }
        Path base = null;
        try {
            base = Files.createTempDirectory("certpilot-tomcat-");
            for (var dir : List.of("conf", "lib", "logs", "temp", "webapps", "work")) {
                Files.createDirectories(base.resolve(dir));
            }
            return new StandaloneTomcat(base);
        } catch (IOException e) {
            WorkDirectories.delete(base);
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts {@code catalina.sh run} on this base; wait for its ports with {@link #awaitPort}.
     *
     * @return this Tomcat
     */
    public synchronized StandaloneTomcat start() {
        if (process != null) {
            throw new IllegalStateException("Tomcat is started already");
        }
        var builder = new ProcessBuilder("sh", Path.of(HOME, "bin", "catalina.sh").toString(), "run")
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("CATALINA_HOME", HOME);
        builder.environment().put("CATALINA_BASE", base.toString());
        builder.environment().put("CATALINA_TMPDIR", base.resolve("temp").toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * Waits until Tomcat accepts connections on {@code port} of 127.0.0.1, or fails with what it printed.
     *
     * @param port the port
     * @param timeout the longest wait
     * @throws InterruptedException if the calling thread is interrupted
     */
    public void awaitPort(int port, Duration timeout) throws InterruptedException {
        var deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Tomcat exited (" + process.exitValue() + "):\n" + log());
            }
            try (var socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("Tomcat did not listen on port " + port + " within " + timeout + ":\n"
                + log());
    }

    /**
     * Waits until the process has exited, as a Tomcat that cannot start does; returns whether it did.
     *
     * @param timeout the longest wait
     * @return whether it exited
     * @throws InterruptedException if the calling thread is interrupted
     */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Whether the process still runs.
     *
     * @return whether it runs
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * {@code CATALINA_BASE}.
     *
     * @return the base directory
     */
    public Path base() {
        return base;
    }

    /**
     * What Tomcat printed so far.
     *
     * @return the log
     */
    public String log() {
        return WorkDirectories.log(output);
    }

    /** Stops Tomcat and deletes its {@code CATALINA_BASE}. */
    @Override
    public synchronized void close() {
        if (process == null) {
            WorkDirectories.delete(base);
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        WorkDirectories.delete(base);
    }
}
