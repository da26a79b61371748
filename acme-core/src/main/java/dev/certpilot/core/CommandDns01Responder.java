package dev.certpilot.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.internal.base.LogText;
import dev.certpilot.core.spi.Dns01Responder;

/**
 * Answers DNS-01 by running your program, so that any DNS tool plugs in without Java (as certbot's manual hooks and
 * lego's exec provider): {@code command present <record> <value>} before validation and
 * {@code command cleanup <record> <value>} after, where {@code <record>} is the fully qualified name with its
 * trailing dot ({@code _acme-challenge.example.com.}) and {@code <value>} the TXT record's text. The same arguments
 * are also in the environment as {@code CERTPILOT_DNS_ACTION}, {@code CERTPILOT_DNS_RECORD} and
 * {@code CERTPILOT_DNS_VALUE}. A zero exit means done; {@code present} should return once the record is published
 * (or set {@link Builder#propagationDelay}). Any other exit, or one past the timeout, fails the attempt with what the
 * program printed.
 *
 * <pre>{@code
 * var dns = CommandDns01Responder.builder("/etc/myapp/dns-hook.sh").build();
 * }</pre>
 *
 * Immutable and thread-safe; each call runs its own process.
 */
public final class CommandDns01Responder implements Dns01Responder {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.dns");
    private static final int OUTPUT_LIMIT = 4_000;

    private final List<String> command;
    private final Duration timeout;
    private final Duration propagationDelay;

    private CommandDns01Responder(Builder builder) {
        this.command = List.copyOf(builder.command);
        this.timeout = builder.timeout;
        this.propagationDelay = builder.propagationDelay;
    }

    /**
     * Starts configuring a responder that runs {@code command} (the program, then any fixed arguments).
     *
     * @param command the program and its fixed arguments
     * @return a new builder
     */
    public static Builder builder(String... command) {
        return new Builder(List.of(command));
    }

    @Override
    public void publish(String recordName, String value) throws IOException {
        run("present", recordName, value);
    }

    @Override
    public void remove(String recordName, String value) throws IOException {
        run("cleanup", recordName, value);
    }

    @Override
    public Duration propagationDelay() {
        return propagationDelay;
    }

    private void run(String action, String recordName, String value) throws IOException {
        Objects.requireNonNull(recordName, "recordName");
        Objects.requireNonNull(value, "value");
        var arguments = new ArrayList<>(command);
        arguments.addAll(List.of(action, recordName, value));
        var builder = new ProcessBuilder(arguments).redirectErrorStream(true);
        builder.environment().put("CERTPILOT_DNS_ACTION", action);
        builder.environment().put("CERTPILOT_DNS_RECORD", recordName);
        builder.environment().put("CERTPILOT_DNS_VALUE", value);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IOException("Cannot run the DNS command " + command.get(0) + ": " + e.getMessage()
                    + ". Check its path and that it is executable", e);
        }
        process.getOutputStream().close();
        var output = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                logOutput(action, recordName, output.join());
                throw new IOException("The DNS command " + command.get(0) + " " + action + " " + recordName
                        + " did not finish within " + timeout + "; what it printed is in the log (dev.certpilot.dns)");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while running the DNS command " + command.get(0), e);
        }
        var printed = output.join();
        if (process.exitValue() != 0) {
            logOutput(action, recordName, printed);
            throw new IOException("The DNS command " + command.get(0) + " " + action + " " + recordName
                    + " exited with " + process.exitValue() + "; what it printed is in the log (dev.certpilot.dns)");
        }
        LOG.debug("DNS command {} {} {} done", command.get(0), action, recordName);
    }

    /**
     * Logs what a failed command printed, on one line: only the log gets it, never the failure's message, which
     * reaches {@code status()}, health details and notifications (a hook may print what should stay private).
     */
    private void logOutput(String action, String recordName, String printed) {
        LOG.warn("The DNS command {} {} {} failed; it printed: {}", command.get(0), action, recordName,
                LogText.quoted(printed, OUTPUT_LIMIT));
    }

    private static String read(InputStream in) {
        try (in) {
            var text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            return text.length() <= OUTPUT_LIMIT ? text : "..." + text.substring(text.length() - OUTPUT_LIMIT);
        } catch (IOException e) {
            return "(its output could not be read: " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return "CommandDns01Responder" + command;
    }

    /** Configures a {@link CommandDns01Responder}; each setter checks its value at once. Not thread-safe. */
    public static final class Builder {

        private final List<String> command;
        private Duration timeout = Duration.ofMinutes(2);
        private Duration propagationDelay = Duration.ZERO;

        private Builder(List<String> command) {
            if (command.isEmpty() || command.get(0).isBlank()) {
                throw new IllegalArgumentException("Give the DNS command to run, such as /etc/myapp/dns-hook.sh");
            }
            this.command = command;
        }

        /**
         * How long one run may take before it is killed and the attempt fails; default 2 minutes.
         *
         * @param timeout the longest run, positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = positive(timeout, "timeout");
            return this;
        }

        /**
         * How long to wait after {@code present} returns before the CA is told; default none.
         *
         * @param delay the wait, zero or more
         * @return this builder
         */
        public Builder propagationDelay(Duration delay) {
            Objects.requireNonNull(delay, "propagationDelay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("propagationDelay must not be negative, got " + delay);
            }
            this.propagationDelay = delay;
            return this;
        }

        /**
         * Builds the responder.
         *
         * @return the responder
         */
        public CommandDns01Responder build() {
            return new CommandDns01Responder(this);
        }

        private static Duration positive(Duration value, String field) {
            Objects.requireNonNull(value, field);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(field + " must be positive, got " + value);
            }
            return value;
        }
    }
}
