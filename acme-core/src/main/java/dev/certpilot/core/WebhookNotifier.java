package dev.certpilot.core;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.shredzone.acme4j.toolbox.JSONBuilder;

import dev.certpilot.core.internal.base.BoundedExchange;
import dev.certpilot.core.spi.Notifier;

/**
 * Tells a webhook: a JSON {@code POST} whose {@code text} is the notice's subject and text, which Slack's and Teams'
 * incoming webhooks show as they are, and whose {@code certpilot} object holds its fields ({@code kind},
 * {@code certificate}, {@code domains}, {@code summary}, {@code detail}, {@code attempts}, {@code nextAttempt},
 * {@code fix}, {@code time}, and a digest's {@code items}).
 *
 * <p>With a {@linkplain Builder#secret secret}, each request carries {@code X-Certpilot-Signature: t=T,v1=HEX}: T
 * is the time of sending in Unix seconds and HEX the HMAC-SHA256, keyed with the secret's UTF-8 bytes, of
 * {@code T + "." + body}. A receiver recomputes it, compares in constant time, and refuses a T more than a few
 * minutes old, so that a request can be neither forged nor replayed.
 *
 * <p>A 2xx answer is success. A 5xx or 429 answer, or no answer within the timeout, is tried again, at most
 * {@link Builder#attempts} times in all with a back-off of {@link Builder#backOff} doubling; a 4xx is not (it will
 * not change). The whole of one notice's sending is so bounded. The secret is never logged. Thread-safe.
 */
public final class WebhookNotifier implements Notifier {

    /** The header that carries the signature. */
    public static final String SIGNATURE_HEADER = "X-Certpilot-Signature";

    private final URI url;
    private final byte[] secret;
    private final Duration timeout;
    private final int attempts;
    private final Duration backOff;
    private final Clock clock;
    private final HttpClient client;

    private WebhookNotifier(Builder builder) {
        this.url = builder.url;
        this.secret = builder.secret;
        this.timeout = builder.timeout;
        this.attempts = builder.attempts;
        this.backOff = builder.backOff;
        this.clock = builder.clock;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Starts configuring a notifier that posts to {@code url}.
     *
     * @param url the webhook's URL: {@code https}, or {@code http} to a loopback address
     * @return a new builder
     */
    public static Builder builder(URI url) {
        return new Builder(url);
    }

    /**
     * The body posted for {@code notice}.
     *
     * @param notice the notice
     * @return the JSON text
     */
    public static String json(Notice notice) {
        var json = new JSONBuilder();
        json.put("text", notice.subject() + "\n" + notice.text());
        fields(json.object("certpilot"), notice);
        return json.toString();
    }

    private static void fields(JSONBuilder json, Notice notice) {
        json.put("kind", notice.kind().name());
        json.put("certificate", notice.certificate());
        json.array("domains", notice.domains());
        json.put("summary", notice.summary());
        json.put("detail", notice.detail());
        json.put("attempts", notice.attempts());
        if (notice.nextAttempt() != null) {
            json.put("nextAttempt", notice.nextAttempt());
        }
        json.put("fix", notice.fix());
        json.put("time", notice.time());
        if (!notice.items().isEmpty()) {
            json.array("items", notice.items().stream().map(item -> {
                var each = new JSONBuilder();
                fields(each, item);
                return each.toMap();
            }).toList());
        }
    }

    /**
     * The signature header's value for {@code body} sent at {@code epochSecond}, as a receiver recomputes it.
     *
     * @param secret      the shared secret
     * @param epochSecond the time of sending, in Unix seconds
     * @param body        the body
     * @return {@code t=epochSecond,v1=HEX}
     */
    public static String signature(String secret, long epochSecond, String body) {
        return signature(secret.getBytes(StandardCharsets.UTF_8), epochSecond, body);
    }

    private static String signature(byte[] secret, long epochSecond, String body) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            var digest = mac.doFinal((epochSecond + "." + body).getBytes(StandardCharsets.UTF_8));
            return "t=" + epochSecond + ",v1=" + HexFormat.of().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    @Override
    public void send(Notice notice) throws IOException, InterruptedException {
        var body = json(notice);
        var wait = backOff;
        IOException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
                Thread.sleep(wait.toMillis());
                wait = wait.multipliedBy(2);
            }
            var request = HttpRequest.newBuilder(url).timeout(timeout).header("Content-Type", "application/json")
                    .header("User-Agent", "certpilot").POST(HttpRequest.BodyPublishers.ofString(body));
            if (secret != null) {
                request.header(SIGNATURE_HEADER, signature(secret, clock.instant().getEpochSecond(), body));
            }
            int status;
            try {
                var response = BoundedExchange.send(client, request.build(), HttpResponse.BodyHandlers.ofInputStream(),
                        timeout);
                response.body().close(); // the status is all that counts: the body is closed unread
                status = response.statusCode();
            } catch (TimeoutException e) {
                last = new IOException("The webhook " + redacted() + " did not answer within " + timeout);
                continue;
            } catch (IOException e) {
                last = new IOException("The webhook " + redacted() + " failed: " + e.getMessage(), e);
                continue;
            }
            if (status >= 200 && status < 300) {
                return;
            }
            last = new IOException("The webhook " + redacted() + " answered HTTP " + status);
            if (status != 429 && status < 500) {
                throw last;
            }
        }
        throw last;
    }

    /** The URL without its path and query, which often hold a token (Slack's and Teams' do). */
    private String redacted() {
        return url.getScheme() + "://" + url.getAuthority() + "/...";
    }

    @Override
    public String toString() {
        return "WebhookNotifier[" + redacted() + "]";
    }

    /** Builds a {@link WebhookNotifier}; not thread-safe. */
    public static final class Builder {

        private final URI url;
        private byte[] secret;
        private Duration timeout = Duration.ofSeconds(10);
        private int attempts = 3;
        private Duration backOff = Duration.ofSeconds(2);
        private Clock clock = Clock.systemUTC();

        private Builder(URI url) {
            Objects.requireNonNull(url, "url");
            if (!url.isAbsolute() || url.getHost() == null
                    || !("https".equals(url.getScheme()) || "http".equals(url.getScheme()) && loopback(url))) {
                throw new IllegalArgumentException("The webhook URL must be an absolute https:// URL (or http:// to "
                        + "a loopback address), such as https://hooks.slack.com/services/...; got "
                        + url.getScheme() + "://" + url.getHost());
            }
            this.url = url;
        }

        private static boolean loopback(URI url) {
            try {
                return InetAddress.getByName(url.getHost()).isLoopbackAddress();
            } catch (IOException e) {
                return false;
            }
        }

        /**
         * Signs each request with {@code secret} (HMAC-SHA256 over the time and the body).
         *
         * @param secret the secret the receiver shares, at least 16 characters
         * @return this builder
         */
        public Builder secret(String secret) {
            if (secret == null || secret.length() < 16) {
                throw new IllegalArgumentException("The webhook secret must be at least 16 characters (such as the "
                        + "output of: openssl rand -hex 32)");
            }
            this.secret = secret.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /**
         * How long one request may take, connection included; default 10 seconds.
         *
         * @param timeout the longest request, positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("The webhook timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * How many times one notice is tried in all, and the wait before the second try, doubling after; default 3
         * tries, 2 seconds.
         *
         * @param attempts the tries, 1 to 10
         * @param backOff  the first wait, zero or more
         * @return this builder
         */
        public Builder retries(int attempts, Duration backOff) {
            if (attempts < 1 || attempts > 10 || backOff.isNegative()) {
                throw new IllegalArgumentException("The webhook tries must be 1 to 10 with a back-off of zero or "
                        + "more, got " + attempts + " and " + backOff);
            }
            this.attempts = attempts;
            this.backOff = backOff;
            return this;
        }

        /**
         * The clock that dates signatures; default the system's.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the notifier.
         *
         * @return the notifier
         */
        public WebhookNotifier build() {
            return new WebhookNotifier(this);
        }
    }
}
