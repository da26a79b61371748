package dev.certpilot.dns.rfc2136;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.CommandDns01Responder;
import dev.certpilot.test.Bind;
import dev.certpilot.test.Pebble;

/**
 * The command provider with a shell script around BIND's own {@code nsupdate}, as an operator would plug in a
 * DNS tool without Java: a wildcard and its apex issued by Pebble, which resolves through that BIND.
 */
class CommandDns01AgainstBindIT {

    @TempDir
    Path dir;

    @Test
    void aScriptAroundNsupdateGetsAWildcard() throws Exception {
        var nsupdate = Path.of("/usr/bin/nsupdate");
        assertThat(Files.isExecutable(nsupdate)).as("nsupdate; install it with: sudo apt-get install -y "
                + "bind9-dnsutils").isTrue();
        try (var bind = Bind.start("hook.test");
             var pebble = Pebble.builder().dnsServer(bind.address()).nonceRejectPercent(0).start()) {
            var script = dir.resolve("dns-hook.sh");
            Files.writeString(script, """
                    #!/bin/sh
                    set -e
                    case "$1" in present) op=add ;; cleanup) op=delete ;; *) exit 2 ;; esac
                    nsupdate -y "%s:%s:%s" <<EOF
                    server 127.0.0.1 %d
                    update $op $2 60 TXT "$3"
                    send
                    EOF
                    """.formatted(Bind.KEY_ALGORITHM, bind.keyName(), bind.keySecret(), bind.port()));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            var dns = CommandDns01Responder.builder(script.toString()).build();
            try (var manager = CertificateManager.builder()
                    .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                            .withTrustedCertificates(pebble.listenerCaFile()))
                    .agreeToTermsOfService().certificate("hook", "hook.test", "*.hook.test").challenges(dns)
                    .storageDirectory(dir.resolve("store")).build()) {
                manager.start();
                manager.awaitCertificates(Duration.ofSeconds(90));
                var names = manager.certificate("hook").orElseThrow().leaf().getSubjectAlternativeNames().stream()
                        .map(name -> (String) name.get(1)).toList();
                assertThat(names).containsExactlyInAnyOrder("hook.test", "*.hook.test");
            }
            assertThat(bind.log()).contains("updating zone 'hook.test/IN': adding an RR at '_acme-challenge.hook.test'"
                    + " TXT").contains("updating zone 'hook.test/IN': deleting an RR at _acme-challenge.hook.test TXT");
        }
    }
}
