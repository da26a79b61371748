package dev.certpilot.dns.cloudflare;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.jose4j.json.JsonUtil;
import org.jose4j.lang.JoseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.Dns01Responder;

/**
 * Answers DNS-01 through Cloudflare's API v4, as Cloudflare documents it: finds the zone of the record (the longest
 * zone name the token can see, or the one given), creates a TXT record for each value and deletes exactly that one
 * afterwards. Authenticates with an API token that may edit the zone's DNS ({@code Zone.DNS:Edit}); the token is
 * never logged or put in an error.
 *
 * <pre>{@code
 * var dns = CloudflareDns01Responder.builder(System.getenv("CLOUDFLARE_API_TOKEN")).build();
 * CertificateManager.builder() ... .certificate("wild", "example.com", "*.example.com").challenges(dns) ...
 * }</pre>
 *
 * <p>Cloudflare answers once its API has the record; its name servers serve it within seconds, so the manager waits
 * {@link Builder#propagationDelay} (10 seconds by default) before asking the CA. A failed call names the record, the
 * zone, the HTTP status and Cloudflare's own error codes and messages, and what to check.
 *
 * <p>Immutable and thread-safe; one HTTP client serves all calls.
 */
public final class CloudflareDns01Responder implements Dns01Responder {

    /** Cloudflare's API v4. */
    public static final URI API = URI.create("https://api.cloudflare.com/client/v4/");

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.dns");

    private final String token;
    private final URI api;
    private final String zoneId;
    private final long ttl;
    private final Duration timeout;
    private final Duration propagationDelay;
    private final HttpClient http;
    /** The zone of each record name, so that a certificate's two values need one lookup. */
    private final Map<String, Zone> zones = new ConcurrentHashMap<>();
    /** The id Cloudflare gave each record published here, so that removal needs no search. */
    private final Map<String, String> recordIds = new ConcurrentHashMap<>();

    private CloudflareDns01Responder(Builder builder) {
        this.token = builder.token;
        this.api = builder.api;
        this.zoneId = builder.zoneId;
        this.ttl = builder.ttl.toSeconds();
        this.timeout = builder.timeout;
        this.propagationDelay = builder.propagationDelay;
        this.http = HttpClient.newBuilder().connectTimeout(builder.timeout).build();
    }

    /**
     * Starts configuring a responder that authenticates with {@code apiToken}, a Cloudflare API token allowed to edit
     * the DNS of the zones to validate.
     *
     * @param apiToken the API token
     * @return a new builder
     * @throws IllegalArgumentException if the token is blank
     */
    public static Builder builder(String apiToken) {
        Objects.requireNonNull(apiToken, "apiToken");
        if (apiToken.isBlank()) {
            throw new IllegalArgumentException("The Cloudflare API token is blank: create one at "
                    + "dash.cloudflare.com/profile/api-tokens with the permission Zone.DNS:Edit");
        }
        return new Builder(apiToken.trim());
    }

    @Override
    public void publish(String recordName, String value) throws IOException {
        var name = hostName(recordName);
        var zone = zone(name);
        var body = JsonUtil.toJson(Map.of("type", "TXT", "name", name, "content", value, "ttl", ttl,
                "comment", "certpilot ACME challenge"));
        var result = call("POST", "zones/" + zone.id() + "/dns_records", body,
                "create TXT " + name + " in zone " + zone.name());
        var id = (String) ((Map<?, ?>) result).get("id");
        recordIds.put(name + " " + value, id);
        LOG.info("Published TXT {} in Cloudflare zone {}", name, zone.name());
    }

    @Override
    public void remove(String recordName, String value) throws IOException {
        var name = hostName(recordName);
        var zone = zone(name);
        var id = recordIds.remove(name + " " + value);
        if (id == null) {
            var found = (List<?>) call("GET", "zones/" + zone.id() + "/dns_records?type=TXT&name=" + encode(name)
                    + "&content=" + encode(value), null, "find TXT " + name + " in zone " + zone.name());
            // only a record that is exactly this one: never trust the search to have filtered
            id = found.stream().map(Map.class::cast).filter(record -> "TXT".equals(record.get("type"))
                            && name.equalsIgnoreCase(String.valueOf(record.get("name")))
                            && (value.equals(record.get("content"))
                                    || ("\"" + value + "\"").equals(record.get("content"))))
                    .map(record -> (String) record.get("id")).findFirst().orElse(null);
            if (id == null) {
                return;
            }
        }
        call("DELETE", "zones/" + zone.id() + "/dns_records/" + id, null,
                "delete TXT " + name + " in zone " + zone.name());
        LOG.info("Removed TXT {} from Cloudflare zone {}", name, zone.name());
    }

    @Override
    public Duration propagationDelay() {
        return propagationDelay;
    }

    @Override
    public String toString() {
        return "CloudflareDns01Responder[" + api + (zoneId == null ? "" : ", zone " + zoneId) + "]";
    }

    private record Zone(String id, String name) {
    }

    /** The zone holding {@code name}: the given one, or the longest of its parent names that the token can see. */
    private Zone zone(String name) throws IOException {
        var known = zones.get(name);
        if (known != null) {
            return known;
        }
        Zone zone = null;
        if (zoneId != null) {
            zone = new Zone(zoneId, zoneId);
        }
        for (var candidate = parent(name); zone == null && candidate != null; candidate = parent(candidate)) {
            var found = (List<?>) call("GET", "zones?name=" + encode(candidate), null, "find zone " + candidate);
            if (!found.isEmpty()) {
                zone = new Zone((String) ((Map<?, ?>) found.get(0)).get("id"), candidate);
            }
        }
        if (zone == null) {
            throw new IOException("Cloudflare has no zone for " + name + " that this API token can see: add the "
                    + "domain to Cloudflare, or give the token the permission Zone.DNS:Edit on its zone (or all zones)");
        }
        zones.put(name, zone);
        return zone;
    }

    /** Calls the API and returns its {@code result}, or fails with what Cloudflare said. */
    private Object call(String method, String path, String body, String action) throws IOException {
        var request = HttpRequest.newBuilder(api.resolve(path)).timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while trying to " + action + " at Cloudflare", e);
        } catch (IOException e) {
            throw new IOException("Cannot " + action + ": Cloudflare's API " + api + " could not be reached ("
                    + e + "). Check DNS, firewall and proxy settings", e);
        }
        Map<String, Object> answer;
        try {
            answer = JsonUtil.parseJson(response.body());
        } catch (JoseException | ClassCastException e) {
            throw new IOException("Cannot " + action + ": Cloudflare answered HTTP " + response.statusCode()
                    + " with no API response (" + abbreviate(response.body()) + ")", e);
        }
        if (response.statusCode() / 100 != 2 || !Boolean.TRUE.equals(answer.get("success"))) {
            throw new IOException("Cannot " + action + ": Cloudflare answered HTTP " + response.statusCode() + " "
                    + errors(answer) + advice(response.statusCode()));
        }
        return answer.get("result");
    }

    private static String errors(Map<String, Object> answer) {
        if (!(answer.get("errors") instanceof List<?> errors) || errors.isEmpty()) {
            return "with no error message";
        }
        var text = new StringBuilder();
        for (var error : errors) {
            if (error instanceof Map<?, ?> map) {
                text.append(text.length() == 0 ? "" : "; ").append(map.get("code")).append(' ')
                        .append(map.get("message"));
            }
        }
        return "(" + text + ")";
    }

    private static String advice(int status) {
        return switch (status) {
            case 400 -> ". Check the record and the zone";
            case 401, 403 -> ". Check that the API token is current and has the permission Zone.DNS:Edit on this zone";
            case 429 -> ". Cloudflare's rate limit: the order is retried later";
            default -> "";
        };
    }

    private static String hostName(String recordName) {
        var name = recordName.toLowerCase(Locale.ROOT);
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /** {@code name} less its first label; null for a top-level name, which is never a customer's zone. */
    private static String parent(String name) {
        var dot = name.indexOf('.');
        var rest = dot < 0 ? null : name.substring(dot + 1);
        return rest == null || rest.indexOf('.') < 0 ? null : rest;
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String text) {
        var line = text.strip().replaceAll("\\s+", " ");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    /** Settings of a {@link CloudflareDns01Responder}; not thread-safe. */
    public static final class Builder {
        private final String token;
        private URI api = API;
        private String zoneId;
        private Duration ttl = Duration.ofSeconds(60);
        private Duration timeout = Duration.ofSeconds(30);
        private Duration propagationDelay = Duration.ofSeconds(10);

        private Builder(String token) {
            this.token = token;
        }

        /**
         * The zone to write in, by its Cloudflare id (from the zone's overview page); default: found by name for each
         * record, which needs the token to read the zone too.
         *
         * @param zoneId the zone's id
         * @return this builder
         */
        public Builder zoneId(String zoneId) {
            Objects.requireNonNull(zoneId, "zoneId");
            if (!zoneId.matches("[0-9a-fA-F]{32}")) {
                throw new IllegalArgumentException("A Cloudflare zone id is 32 hex digits (the zone's overview page "
                        + "shows it), got '" + zoneId + "'");
            }
            this.zoneId = zoneId;
            return this;
        }

        /**
         * The API's base URL; default {@link #API}. For an API gateway or proxy, or a local stand-in in tests.
         *
         * @param base the API's base URL
         * @return this builder
         * @throws IllegalArgumentException if it is not {@code https}, or {@code http} to a loopback address (the
         * token would travel in clear)
         */
        public Builder api(URI base) {
            Objects.requireNonNull(base, "base");
            var host = base.getHost();
            var loopback = host != null
                    && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"));
            var scheme = base.getScheme();
            if (!"https".equalsIgnoreCase(scheme) && !("http".equalsIgnoreCase(scheme) && loopback)) {
                throw new IllegalArgumentException("The Cloudflare API URL must be https (http only to a loopback "
                        + "address): the API token would travel in clear; got " + base);
            }
            var text = base.toString();
            this.api = URI.create(text.endsWith("/") ? text : text + "/");
            return this;
        }

        /**
         * The TXT record's TTL; default 60 seconds, the shortest Cloudflare allows on most plans.
         *
         * @param ttl the TTL, at least 60 seconds
         * @return this builder
         */
        public Builder ttl(Duration ttl) {
            if (ttl.toSeconds() < 30 || ttl.toSeconds() > 86_400) {
                throw new IllegalArgumentException("The Cloudflare TXT TTL must be 30 s to 1 day, got " + ttl);
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * The timeout of one API call; default 30 seconds.
         *
         * @param timeout the longest call, positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("The Cloudflare API timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * How long to wait after publishing before the CA is asked to look; default 10 seconds.
         *
         * @param delay the wait, zero or more
         * @return this builder
         */
        public Builder propagationDelay(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("The propagation delay must not be negative, got " + delay);
            }
            this.propagationDelay = delay;
            return this;
        }

        /**
         * The responder.
         *
         * @return the responder
         */
        public CloudflareDns01Responder build() {
            return new CloudflareDns01Responder(this);
        }
    }
}
