package dev.certpilot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests, from Debian's package: a new cluster made by {@code initdb} in a temporary
 * folder, listening on a free loopback port, with a superuser {@value #USER} that needs no password. Stopped and
 * deleted by {@link #close()}; {@link #stop()} and {@link #startAgain()} take it away and bring it back on the same
 * port
 * with its data, as an outage would.
 *
 * <pre>{@code
 * try (var postgres = PostgreSql.start()) {
 *     var url = postgres.createDatabase("shop");   // jdbc:postgresql://127.0.0.1:PORT/shop?user=certpilot
 * }
 * }</pre>
 *
 * <p>Run as root (as in containers and CI), the server runs as the {@code postgres} user that the package creates.
 * Thread-safe; requires {@value #INSTALL_COMMAND}: a test that needs it fails with that command, never skips.
 */
public final class PostgreSql implements AutoCloseable {

    /** The command that installs PostgreSQL on Debian and Ubuntu. */
    public static final String INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y postgresql";

    /** The superuser of the test cluster; it needs no password on loopback. */
    public static final String USER = "certpilot";

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path bin;
    private final Path workDir;
    private final int port;
    private final boolean asPostgres;
    private boolean running;
    private int databases;

    private PostgreSql(Path bin, Path workDir, int port, boolean asPostgres) {
        this.bin = bin;
        this.workDir = workDir;
        this.port = port;
        this.asPostgres = asPostgres;
    }

    /**
     * Makes a new cluster and starts it.
     *
     * @return the running server
     * @throws IllegalStateException if PostgreSQL is not installed (with the install command) or does not start
     */
    public static PostgreSql start() {
        var bin = binaries();
        Path work = null;
        try {
            work = Files.createTempDirectory("certpilot-postgres-");
            var asPostgres = "root".equals(System.getProperty("user.name"));
            if (asPostgres) {
                var owner = work.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
                Files.setOwner(work, owner);
            }
            var port = LoopbackPorts.free();
            var postgres = new PostgreSql(bin, work, port, asPostgres);
            postgres.run(List.of(bin.resolve("initdb").toString(), "-D", postgres.data().toString(), "-U", USER,
                    "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"));
            postgres.startAgain();
            return postgres;
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
        if (running) {
            return;
        }
        var options = "-p " + port + " -c listen_addresses=127.0.0.1 -k " + workDir + " -c max_connections=200";
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-l", workDir.resolve("postgres.log")
                .toString(), "-o", options, "-w", "-t", Long.toString(TIMEOUT.toSeconds()), "start"));
        running = true;
    }

    /** Stops the server (fast shutdown: connections are cut); {@link #startAgain()} brings it back. Idempotent. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "fast", "-w", "stop"));
        running = false;
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
     * The JDBC URL of database {@code postgres}, with the user: {@code
     * jdbc:postgresql://127.0.0.1:PORT/postgres?user=...}.
     *
     * @return the JDBC URL
     */
    public String jdbcUrl() {
        return jdbcUrl("postgres");
    }

    /**
     * The JDBC URL of {@code database}, with the user.
     *
     * @param database the database's name
     * @return the JDBC URL
     */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + USER;
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
        run(List.of(bin.resolve("createdb").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", USER,
                name));
        return jdbcUrl(name);
    }

    /**
     * What the server logged so far.
     *
     * @return the log
     */
    public String log() {
        return WorkDirectories.log(workDir.resolve("postgres.log"));
    }

    /** Stops the server and deletes its folder. Idempotent. */
    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (RuntimeException e) {
            // deleting the folder below still frees the disk; a stray server dies with its data directory
        } finally {
            WorkDirectories.delete(workDir);
        }
    }

    @Override
    public String toString() {
        return "PostgreSql[127.0.0.1:" + port + "]";
    }

    private Path data() {
        return workDir.resolve("data");
    }

    private void run(List<String> command) {
        var full = new ArrayList<String>();
        if (asPostgres) {
            full.addAll(List.of(Executables.find("runuser", "sudo apt-get install -y util-linux").toString(), "-u",
                    "postgres", "--"));
        }
        full.addAll(command);
        var result = Executables.run(full, Map.of(), TIMEOUT);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(Path.of(command.get(0)).getFileName() + " failed with " + result.exitCode()
                    + ": " + result.stdout() + result.stderr() + "\nServer log:\n" + log());
        }
    }

    /** The folder of initdb and pg_ctl: Debian keeps them out of the PATH, under /usr/lib/postgresql/VERSION/bin. */
    private static Path binaries() {
        var debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (var versions = Files.list(debian)) {
                var newest = versions.map(version -> version.resolve("bin"))
                        .filter(dir -> Files.isExecutable(dir.resolve("initdb")))
                        .max(Comparator.comparing(dir -> version(dir.getParent().getFileName().toString())));
                if (newest.isPresent()) {
                    return newest.get();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Stream.of("/usr/local/bin", "/usr/bin")
                .map(Path::of)
                .filter(dir -> Files.isExecutable(dir.resolve("initdb")))
                .findFirst()
                .orElseGet(() -> Executables.find("initdb", INSTALL_COMMAND).getParent());
    }

    private static int version(String name) {
        try {
            return Integer.parseInt(name.split("\\.")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
