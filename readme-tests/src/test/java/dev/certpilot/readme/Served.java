package dev.certpilot.readme;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import dev.certpilot.test.LoopbackPorts;
import dev.certpilot.test.TlsClient;

/** What a route's server presents, seen from a client that trusts Pebble's root only. */
final class Served {

    private Served() {
    }

    /**
     * Waits (up to 90 s, while {@code alive}) until the server on {@code port} presents, for SNI {@code host}, a
     * certificate that chains to the trusted root and is not {@code previous}: the bootstrap certificate, served
     * first, does not chain. Fails with {@code log} otherwise.
     */
    static BigInteger awaitSerial(SSLContext trust, int port, String host, BigInteger previous, BooleanSupplier alive,
                                  Supplier<String> log) throws InterruptedException {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline && alive.getAsBoolean()) {
            try (var client = TlsClient.connect(trust, port, host)) {
                var serial = client.leaf().getSerialNumber();
                if (!serial.equals(previous)) {
                    return serial;
                }
            } catch (IOException notYet) {
                // not listening yet, or the bootstrap certificate
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Never served a " + (previous == null ? "" : "new ") + "certificate of Pebble's for "
                + host + " on port " + port + ":\n" + log.get());
    }

    /** A free TCP port, below the ephemeral range: another process binds it. */
    static int freePort() throws IOException {
        return LoopbackPorts.free();
    }

    /** What a process wrote to {@code log}, for a failure's message. */
    static String log(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
