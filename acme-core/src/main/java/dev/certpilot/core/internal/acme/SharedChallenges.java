package dev.certpilot.core.internal.acme;

import java.io.IOException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.internal.tls.SelfSigned;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.Http01Responder;
import dev.certpilot.core.spi.Pem;
import dev.certpilot.core.spi.SharedAnswers;
import dev.certpilot.core.spi.TlsAlpn01Responder.ValidationCertificate;
import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * Pending HTTP-01 and TLS-ALPN-01 answers, published through the store so that whichever instance the CA reaches
 * answers: the instance that orders publishes each answer beside deploying it to its own responder, and removes
 * it afterwards; an instance asked for an answer it does not hold reads the store, but only for names this manager
 * manages, a bounded number of reads at a time, and keeps what it found for a few seconds (the CA validates from
 * several places within moments).
 *
 * <p>What is read back is not trusted as it is: whoever can write to a shared store (a database role, say) without
 * holding the application's keys could otherwise plant answers for their own orders and get certificates for the
 * application's names. An answer is served only if its key authorization ends in the thumbprint of one of this
 * cluster's account keys (so it can validate nothing but this account's orders) and, for TLS-ALPN-01, the
 * certificate is for the name asked and carries that key authorization's digest. Thread-safe.
 */
public final class SharedChallenges implements SharedAnswers {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.challenge");
    private static final String CERTIFICATE_BEGIN = "-----BEGIN CERTIFICATE-----";
    /** How long an answer read from the store is kept here. */
    private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int CACHE_SIZE = 256;
    /** Store reads for answers at one time; further requests wait briefly, then get none. */
    private static final int CONCURRENT_READS = 16;

    private final CertificateStore store;
    private final Supplier<Set<String>> thumbprints;
    private final Predicate<String> managed;
    private final Duration ttl;
    private final Semaphore reads = new Semaphore(CONCURRENT_READS);
    private final ConcurrentMap<String, Cached<?>> cache = new ConcurrentHashMap<>();

    /**
     * @param thumbprints the thumbprints of this cluster's account keys, read from the store at each look-up
     * @param managed     whether a domain is managed; answers for other names are never read from the store
     * @param ttl         how long a published answer lives if its publisher dies before removing it
     */
    public SharedChallenges(CertificateStore store, Supplier<Set<String>> thumbprints, Predicate<String> managed,
                     Duration ttl) {
        this.store = store;
        this.thumbprints = thumbprints;
        this.managed = managed;
        this.ttl = ttl;
    }

    /** The responders to order with: HTTP-01 and TLS-ALPN-01 ones also publish through the store. */
    public List<ChallengeResponder> publishing(List<ChallengeResponder> responders) {
        var result = new ArrayList<ChallengeResponder>();
        for (var responder : responders) {
            if (responder instanceof Http01Responder http) {
                result.add(new PublishingHttp01(http));
            } else if (responder instanceof TlsAlpn01Responder tls) {
                result.add(new PublishingTlsAlpn01(tls));
            } else {
                result.add(responder);
            }
        }
        return result;
    }

    @Override
    public Optional<String> http01(String host, String token) {
        if (host == null || token == null || !InMemoryHttp01Responder.isWellFormedToken(token)) {
            return Optional.empty();
        }
        return lookup(httpKey(host, token), value -> {
            if (!value.startsWith(token + ".") || !ours(value)) {
                throw new IllegalStateException("an HTTP-01 answer that is not this account's key authorization for "
                        + "the token");
            }
            return value;
        });
    }

    @Override
    public Optional<ValidationCertificate> tlsAlpn01(String host) {
        if (host == null) {
            return Optional.empty();
        }
        return lookup(tlsKey(host), value -> parseValidation(host, value));
    }

    /** Whether {@code keyAuthorization} ({@code token.thumbprint}) is for one of this cluster's account keys. */
    private boolean ours(String keyAuthorization) {
        var dot = keyAuthorization.lastIndexOf('.');
        return dot > 0 && thumbprints.get().contains(keyAuthorization.substring(dot + 1));
    }

    private <T> Optional<T> lookup(String key, Function<String, T> parse) {
        var host = key.substring(key.indexOf('/') + 1).split("/", 2)[0];
        if (!managed.test(host)) {
            return Optional.empty();
        }
        var cached = cache.get(key);
        if (cached != null && System.nanoTime() - cached.at < CACHE_NANOS) {
            @SuppressWarnings("unchecked")
            var value = (T) cached.value;
            return Optional.of(value);
        }
        try {
            if (!reads.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                LOG.debug("Too many challenge lookups at once; none for {}", host);
                return Optional.empty();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        try {
            var value = store.challenge(key).map(parse);
            value.ifPresent(v -> {
                LOG.info("Answering the {} challenge for {} that another instance published", key.substring(0,
                        key.indexOf('/')), host);
                if (cache.size() >= CACHE_SIZE) {
                    cache.clear();
                }
                cache.put(key, new Cached<>(v, System.nanoTime()));
            });
            return value;
        } catch (IllegalStateException e) {
            LOG.warn("Not serving the {} answer for {} found in the store {}: {}. Something that can write to the "
                    + "store, without this application's keys, may be trying to obtain certificates for its names",
                    key.substring(0, key.indexOf('/')), host, store, e.getMessage());
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot read the challenge answer for {} from the store: {}", host, e.toString());
            return Optional.empty();
        } finally {
            reads.release();
        }
    }

    private void publish(String key, String value) {
        try {
            store.putChallenge(key, value, ttl);
        } catch (IOException | RuntimeException e) {
            // this instance still answers; others will not, which fails the validation only in a cluster
            LOG.warn("Cannot publish a challenge answer through the store ({}); only this instance can answer it",
                    e.toString());
        }
    }

    private void withdraw(String key) {
        cache.remove(key);
        try {
            store.removeChallenge(key);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot remove a challenge answer from the store ({}); it expires within {}", e.toString(), ttl);
        }
    }

    private static String httpKey(String host, String token) {
        return "http-01/" + host.toLowerCase(Locale.ROOT) + "/" + token;
    }

    private static String tlsKey(String host) {
        return "tls-alpn-01/" + host.toLowerCase(Locale.ROOT);
    }

    /**
     * The validation certificate in {@code value} (the key authorization on its first line, then the key and the
     * certificate in PEM), if it is this account's, for {@code host}, and carries the key authorization's digest.
     *
     * @throws IllegalStateException if it is not
     */
    private ValidationCertificate parseValidation(String host, String value) {
        var newline = value.indexOf('\n');
        var split = value.indexOf(CERTIFICATE_BEGIN);
        if (newline < 0 || split < newline) {
            throw new IllegalStateException("a TLS-ALPN-01 answer without its key authorization");
        }
        var keyAuthorization = value.substring(0, newline).trim();
        if (!ours(keyAuthorization)) {
            throw new IllegalStateException("a TLS-ALPN-01 answer for another account's key");
        }
        ValidationCertificate validation;
        try {
            validation = new ValidationCertificate(Pem.readCertificates(value.substring(split)).get(0),
                    Pem.readPrivateKey(value.substring(newline + 1, split)));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("an unreadable TLS-ALPN-01 answer: " + e.getMessage(), e);
        }
        if (!SelfSigned.isTlsAlpn01(validation.certificate(), host, keyAuthorization)) {
            throw new IllegalStateException("a TLS-ALPN-01 certificate that is not for " + host + " or not for its "
                    + "key authorization");
        }
        return validation;
    }

    private record Cached<T>(T value, long at) {
    }

    /** Deploys to the application's HTTP-01 responder and publishes through the store. */
    private final class PublishingHttp01 implements Http01Responder {

        private final Http01Responder local;

        PublishingHttp01(Http01Responder local) {
            this.local = local;
        }

        @Override
        public void deploy(String domain, String token, String keyAuthorization) throws IOException {
            local.deploy(domain, token, keyAuthorization);
            publish(httpKey(domain, token), keyAuthorization);
        }

        @Override
        public void remove(String domain, String token) throws IOException {
            withdraw(httpKey(domain, token));
            local.remove(domain, token);
        }
    }

    /** Deploys to the application's TLS-ALPN-01 responder and publishes through the store. */
    private final class PublishingTlsAlpn01 implements TlsAlpn01Responder {

        private final TlsAlpn01Responder local;

        PublishingTlsAlpn01(TlsAlpn01Responder local) {
            this.local = local;
        }

        @Override
        public void deploy(String domain, X509Certificate certificate, PrivateKey privateKey) throws IOException {
            local.deploy(domain, certificate, privateKey); // without its key authorization, others could not check it
        }

        @Override
        public void deploy(String domain, X509Certificate certificate, PrivateKey privateKey,
                           String keyAuthorization) throws IOException {
            local.deploy(domain, certificate, privateKey, keyAuthorization);
            publish(tlsKey(domain), keyAuthorization + "\n" + Pem.privateKey(privateKey)
                    + Pem.certificates(List.of(certificate)));
        }

        @Override
        public void remove(String domain) throws IOException {
            withdraw(tlsKey(domain));
            local.remove(domain);
        }

        @Override
        public Optional<ValidationCertificate> validationCertificate(String domain) {
            return local.validationCertificate(domain);
        }
    }
}
