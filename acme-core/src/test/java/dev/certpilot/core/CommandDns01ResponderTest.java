package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command is run with the action, record and value as arguments and in the environment; failures say why. */
class CommandDns01ResponderTest {

    @TempDir
    Path dir;

    private Path script(String body) throws IOException {
        var script = dir.resolve("hook.sh");
        Files.writeString(script, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    @Test
    void passesTheActionRecordAndValueAsArgumentsAndEnvironment() throws Exception {
        var log = dir.resolve("calls");
        var dns = CommandDns01Responder.builder(script("echo \"$1 $2 $3 | $CERTPILOT_DNS_ACTION "
                + "$CERTPILOT_DNS_RECORD $CERTPILOT_DNS_VALUE\" >> " + log + "\n").toString()).build();

        dns.publish("_acme-challenge.example.com.", "v4lue");
        dns.remove("_acme-challenge.example.com.", "v4lue");

        assertThat(Files.readAllLines(log)).containsExactly(
                "present _acme-challenge.example.com. v4lue | present _acme-challenge.example.com. v4lue",
                "cleanup _acme-challenge.example.com. v4lue | cleanup _acme-challenge.example.com. v4lue");
        assertThat(dns.challengeType()).isEqualTo("dns-01");
    }

    @Test
    void aFailingCommandFailsTheAttemptAndWhatItPrintedGoesToTheLogOnly() throws Exception {
        var dns = CommandDns01Responder.builder(script("echo 'zone locked by another update' >&2\nexit 3\n")
                .toString()).build();
        // the failure's message reaches status(), health details and notifications: a hook may print secrets
        assertThatThrownBy(() -> dns.publish("_acme-challenge.example.com.", "v"))
                .isInstanceOf(IOException.class).hasMessageContaining("present _acme-challenge.example.com.")
                .hasMessageContaining("exited with 3").hasMessageContaining("what it printed is in the log")
                .hasMessageNotContaining("zone locked by another update");
    }

    @Test
    void aHangingCommandIsKilledAtTheTimeout() throws Exception {
        var dns = CommandDns01Responder.builder(script("echo started\nsleep 30\n").toString())
                .timeout(Duration.ofMillis(500)).build();
        var started = System.nanoTime();
        assertThatThrownBy(() -> dns.publish("_acme-challenge.example.com.", "v"))
                .isInstanceOf(IOException.class).hasMessageContaining("did not finish within PT0.5S");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aMissingCommandIsNamed() {
        var dns = CommandDns01Responder.builder(dir.resolve("absent.sh").toString()).build();
        assertThatThrownBy(() -> dns.publish("_acme-challenge.example.com.", "v")).isInstanceOf(IOException.class)
                .hasMessageContaining("Cannot run the DNS command").hasMessageContaining("absent.sh");
        assertThatThrownBy(() -> CommandDns01Responder.builder()).isInstanceOf(IllegalArgumentException.class);
    }
}
