package dev.certpilot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real MariaDB server for tests, from Debian's package: a new data directory made by {@code mariadb-install-db} in a
 * temporary folder, {@code mariadbd} listening on a free loopback port, every client admitted as any user without a
 * password ({@code --skip-grant-tables}). Stopped and deleted by {@link #close()}; {@link #stop()} and
 * {@link #startAgain()} take it away and bring it back on the same port with its data, as an outage would.
 *
 * <pre>{@code
 * try (var mariadb = MariaDb.start()) {
 *     var url = mariadb.createDatabase("shop");   // jdbc:mariadb://127.0.0.1:PORT/shop_1?user=root
 * }
 * }</pre>
 *
 * <p>Run as root (as in containers and CI), the server runs as root ({@code --user=root}). Thread-safe; requires
 * {@value #INSTALL_COMMAND}: a test that needs it fails with that command, never skips.
 */
public final class MariaDb implements AutoCloseable {

    /** The command that installs MariaDB on Debian and Ubuntu. */
    public static final String INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y mariadb-server";

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path daemon;
    private final Path client;
    private final Path workDir;
    private final int port;
    private Process process;
    private int databases;

    private MariaDb(Path daemon, Path client, Path workDir, int port) {
        this.daemon = daemon;
        this.client = client;
        this.workDir = workDir;
        this.port = port;
    }

    /**
     * Makes a new data directory and starts the server.
     *
     * @return the running server
     * @throws IllegalStateException if MariaDB is not installed (with the install command) or does not start
     */
    public static MariaDb start() {
        var daemon = Executables.find("mariadbd", INSTALL_COMMAND);
        var install = Executables.find("mariadb-install-db", INSTALL_COMMAND);
        var client = Executables.find("mariadb", INSTALL_COMMAND);
        Path work = null;
        try {
            work = Files.createTempDirectory("certpilot-mariadb-");
            var result = Executables.run(List.of(install.toString(), "--no-defaults", "--datadir="
                    + work.resolve("data"), "--user=" + System.getProperty("user.name"), "--skip-test-db",
                    "--auth-root-authentication-method=normal"), Map.of(), TIMEOUT);
            if (result.exitCode() != 0) {
                throw new IllegalStateException("mariadb-install-db failed with " + result.exitCode() + ": "
                        + result.stdout() + result.stderr());
            }
            var mariadb = new MariaDb(daemon, client, work, LoopbackPorts.free());
            mariadb.startAgain();
            return mariadb;
        } catch (IOException e) {
            WorkDirectories.delete(work);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            WorkDirectories.delete(work);
            throw e;
        }
    }

    /** Starts the server again after {@link #stop()}, on the same port with the same data. Idempotent. */
    public synchronized void startAgain() {
        if (process != null) {
            return;
        }
        try {
            process = new ProcessBuilder(daemon.toString(), "--no-defaults", "--datadir=" + workDir.resolve("data"),
                    "--user=" + System.getProperty("user.name"), "--port=" + port, "--bind-address=127.0.0.1",
                    "--socket=" + workDir.resolve("mariadb.sock"), "--pid-file=" + workDir.resolve("mariadb.pid"),
                    "--skip-grant-tables", "--skip-log-bin", "--innodb-buffer-pool-size=64M",
                    "--innodb-flush-log-at-trx-commit=2", "--max-connections=300")
                    .redirectErrorStream(true).redirectOutput(workDir.resolve("mariadb.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Listening.await(process, "mariadbd", this::log, "ready for connections",
                    new InetSocketAddress("127.0.0.1", port), TIMEOUT);
        } catch (IllegalStateException e) {
            process.destroyForcibly();
            process = null;
            throw e;
        }
    }

    /** Stops the server (connections are cut); {@link #startAgain()} brings it back. Idempotent. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    /**
     * The port it listens on, on 127.0.0.1.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * The JDBC URL of {@code database}, with the user.
     *
     * @param database the database's name
     * @return the JDBC URL
     */
    public String jdbcUrl(String database) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database + "?user=root";
    }

    /**
     * Creates a new, empty database and returns its JDBC URL.
     *
     * @param prefix the start of its name (letters, digits, underscores); a number is added
     * @return the JDBC URL
     */
    public synchronized String createDatabase(String prefix) {
        if (!prefix.matches("[a-z][a-z0-9_]{0,40}")) {
            throw new IllegalArgumentException("A database name prefix is lower-case letters, digits and '_'");
        }
        var name = prefix + "_" + ++databases;
        execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4");
        return jdbcUrl(name);
    }

    /**
     * Runs {@code sql} with the {@code mariadb} client.
     *
     * @param sql the statements
     * @throws IllegalStateException if they fail
     */
    public void execute(String sql) {
        var result = Executables.run(List.of(client.toString(), "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1",
                "-P", Integer.toString(port), "-u", "root", "-e", sql), Map.of(), TIMEOUT);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("mariadb -e '" + sql + "' failed with " + result.exitCode() + ": "
                    + result.stdout() + result.stderr());
        }
    }

    /**
     * What the server logged so far.
     *
     * @return the log
     */
    public String log() {
        return WorkDirectories.log(workDir.resolve("mariadb.log"));
    }

    /** Stops the server and deletes its folder. Idempotent. */
    @Override
    public synchronized void close() {
        try {
            stop();
        } finally {
            WorkDirectories.delete(workDir);
        }
    }

    @Override
    public String toString() {
        return "MariaDb[127.0.0.1:" + port + "]";
    }
}
