package dev.certpilot.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.certpilot.test.Pebble;

/**
 * Caddy (Debian's {@code caddy}, CertMagic inside) set up against a Pebble for the side-by-side benchmarks: bound to
 * 127.0.0.1 on Pebble's validation ports, its storage and home under one folder, Pebble's listener CA trusted, one
 * challenge type enabled.
 */
final class Caddy {

    private Caddy() {
    }

    /** The {@code caddy} executable on the PATH or in /usr/bin. */
    static Path executable() {
        for (var directory : (System.getenv("PATH") + ":/usr/bin").split(":")) {
            var candidate = Path.of(directory, "caddy");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("caddy is not installed; the comparisons with Caddy run it. Install it with:"
                + " sudo apt-get install -y caddy");
    }

    /**
     * Writes a Caddyfile into {@code folder} and returns the command that runs it: the global options above plus
     * {@code globalOptions}, then {@code site} (the Caddyfile lines of one site block).
     */
    static ProcessBuilder command(Path caddy, Pebble pebble, Challenge challenge, Path folder,
                                  List<String> globalOptions, List<String> site) throws IOException {
        var lines = new ArrayList<>(List.of(
                "{",
                "  admin off",
                "  default_bind 127.0.0.1",
                "  http_port " + pebble.httpPort(),
                "  https_port " + pebble.tlsPort(),
                "  skip_install_trust",
                "  ocsp_stapling off",
                "  storage file_system {",
                "    root " + folder.resolve("data"),
                "  }",
                "  email ops@bench.test",
                "  cert_issuer acme {",
                "    dir " + pebble.directory(),
                "    trusted_roots " + pebble.listenerCaFile(),
                "    " + challenge.caddyOption,
                "  }"));
        lines.addAll(globalOptions);
        lines.add("}");
        lines.addAll(site);
        lines.add("");
        var caddyfile = folder.resolve("Caddyfile");
        Files.writeString(caddyfile, String.join("\n", lines), StandardCharsets.UTF_8);
        var builder = new ProcessBuilder(caddy.toString(), "run", "--config", caddyfile.toString(),
                "--adapter", "caddyfile");
        builder.environment().putAll(Map.of("HOME", folder.toString(),
                "XDG_DATA_HOME", folder.resolve("xdg-data").toString(),
                "XDG_CONFIG_HOME", folder.resolve("xdg-config").toString()));
        return builder;
    }
}
