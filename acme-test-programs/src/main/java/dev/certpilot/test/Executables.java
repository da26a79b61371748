package dev.certpilot.test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Finds and runs the real programs the tests use. Stateless. */
final class Executables {

    private Executables() {
    }

    /**
     * The program {@code name} on the PATH (or in {@code /usr/bin} and {@code /usr/sbin}).
     *
     * @throws IllegalStateException naming the command that installs it: a test that needs it fails, never skips
     */
    static Path find(String name, String installCommand) {
        var path = Objects.requireNonNullElse(System.getenv("PATH"), "");
        return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/bin", "/usr/sbin"))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("'" + name + "' was not found on the PATH. The tests "
                        + "use the real program; install it with: " + installCommand));
    }

    /** What a finished program printed and its exit code. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    /**
     * Runs {@code command} to its end, killing it after {@code timeout}.
     *
     * @throws IllegalStateException if it outlives the timeout, with what it printed so far
     */
    static Result run(List<String> command, Map<String, String> environment, Duration timeout) {
        try {
            var builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            var process = builder.start();
            process.getOutputStream().close();
            var stdout = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            var stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
                throw new IllegalStateException(command.get(0) + " did not finish within " + timeout + "; it printed:\n"
                        + stdout.join() + stderr.join());
            }
            return new Result(process.exitValue(), stdout.join(), stderr.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + command.get(0), e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(could not read: " + e + ")";
        }
    }
}
