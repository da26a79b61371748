package dev.certpilot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The real {@code curl}, run with its defaults (it offers {@code h2} and {@code http/1.1} through ALPN and verifies
 * the chain and the name), as users run it: the one client that tells whether a site works for people. Every
 * host name resolves to {@code 127.0.0.1}. Stateless; thread-safe. Requires {@value #INSTALL_COMMAND}.
 *
 * <pre>{@code
 * var response = Curl.get(URI.create("https://shop.test:" + port + "/"), pebble.rootFile());
 * assertThat(response.httpVersion()).isEqualTo("2");
 * }</pre>
 */
public final class Curl {

    /** The command that installs curl on Debian and Ubuntu. */
    public static final String INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y curl";

    private Curl() {
    }

    /**
     * A finished request.
     *
     * @param exitCode    curl's exit code: 0 for a response, 35 for a failed TLS handshake, 60 for an untrusted
     *                    chain, and so on ({@code man curl})
     * @param status      the HTTP status, 0 when there was no response
     * @param httpVersion {@code 1.1} or {@code 2}, as curl reports it
     * @param headers     the response header lines, as sent
     * @param body        the body
     * @param error       what curl printed to standard error
     */
    public record Response(int exitCode, int status, String httpVersion, List<String> headers, String body,
                           String error) {

        /**
         * The first value of the header {@code name}, matched regardless of case.
         *
         * @param name the header's name
         * @return its first value, or empty
         */
        public Optional<String> header(String name) {
            var prefix = name.toLowerCase(Locale.ROOT) + ":";
            return headers.stream().filter(h -> h.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(h -> h.substring(prefix.length()).trim()).findFirst();
        }
    }

    /**
     * GETs {@code url}, trusting the roots in {@code caFile} (PEM) only, with any further curl {@code options}.
     * Fails only when curl cannot run: a refused handshake is a response with a non-zero exit code.
     *
     * @param url the URL
     * @param caFile the trusted roots
     * @param options further curl options
     * @return curl's response
     */
    public static Response get(URI url, Path caFile, String... options) {
        var curl = Executables.find("curl", INSTALL_COMMAND);
        Path work = null;
        try {
            work = Files.createTempDirectory("certpilot-curl-");
            var headers = work.resolve("headers");
            var body = work.resolve("body");
            var port = url.getPort() > 0 ? url.getPort() : url.getScheme().equals("https") ? 443 : 80;
            var command = new ArrayList<>(List.of(curl.toString(), "--silent", "--show-error", "--max-time", "30",
                    "--cacert", caFile.toString(), "--resolve", url.getHost() + ":" + port + ":127.0.0.1",
                    "--dump-header", headers.toString(), "--output", body.toString(),
                    "--write-out", "%{http_code} %{http_version}"));
            command.addAll(List.of(options));
            command.add(url.toString());
            var result = Executables.run(command, Map.of(), Duration.ofSeconds(40));
            var written = result.stdout().trim().split(" ");
            var status = written.length == 2 ? Integer.parseInt(written[0]) : 0;
            var headerLines = Files.exists(headers) ? Files.readAllLines(headers, StandardCharsets.ISO_8859_1).stream()
                    .filter(line -> !line.isBlank()).toList() : List.<String>of();
            var text = Files.exists(body) ? Files.readString(body, StandardCharsets.UTF_8) : "";
            return new Response(result.exitCode(), status, written.length == 2 ? written[1] : "", headerLines, text,
                    result.stderr());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            WorkDirectories.delete(work);
        }
    }
}
