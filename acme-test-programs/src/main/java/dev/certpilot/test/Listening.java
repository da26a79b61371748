package dev.certpilot.test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/** Waiting for a server process started by a test to listen. Stateless. */
final class Listening {

    private Listening() {
    }

    /**
     * Returns once {@code process} has logged {@code ready} and accepts a connection at {@code address}.
     *
     * @param name what the process is, for messages
     * @param log  what it logged so far
     * @throws IllegalStateException with its log, if it exits first or does not listen within {@code timeout}
     */
    static void await(Process process, String name, Supplier<String> log, String ready, InetSocketAddress address,
                      Duration timeout) {
        var deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + log.get());
            }
            if (log.get().contains(ready)) {
                try (var socket = new Socket()) {
                    socket.connect(address, 500);
                    return;
                } catch (IOException notYet) {
                    // listening comes right after
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while starting " + name, e);
            }
        }
        throw new IllegalStateException(name + " did not start within " + timeout + ":\n" + log.get());
    }
}
