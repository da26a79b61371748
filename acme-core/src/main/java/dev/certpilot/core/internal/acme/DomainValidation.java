package dev.certpilot.core.internal.acme;

import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Identifier;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Dns01Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.exception.AcmeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.ChallengeFailedException;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.PersistentDnsRecord;
import dev.certpilot.core.internal.base.IpAddresses;
import dev.certpilot.core.internal.tls.SelfSigned;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.Dns01Responder;
import dev.certpilot.core.spi.DnsPersist01Responder;
import dev.certpilot.core.spi.Http01Responder;
import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * Proves control of an order's domains: picks for each pending authorization the first enabled challenge type the CA
 * offers that suits the name (DNS-01 or dns-persist-01 for a wildcard, never DNS for an IP address), deploys all of
 * them (nothing for dns-persist-01, whose record is set once), waits once for DNS propagation, asks the CA to validate,
 * and always removes what it deployed. Remembers failed types across orders of one issuance, so the next order uses
 * the next type. Not thread-safe: one per issuance.
 */
public final class DomainValidation {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.challenge");
    private static final Pattern TOKEN_IN_PATH = Pattern.compile("(/\\.well-known/acme-challenge/)[A-Za-z0-9_-]+");

    private final List<ChallengeResponder> responders;
    private final Instant deadline;
    private final Map<String, List<ChallengeFailedException.Attempt>> failures = new LinkedHashMap<>();
    private final Map<String, Set<String>> failedTypes = new LinkedHashMap<>();
    private KeyPair tlsAlpnKey;
    /** The names the current order wants a wildcard of: their dns-persist-01 records carry policy=wildcard. */
    private final Set<String> wildcardBases = new HashSet<>();

    /** The names ordered, as {@link ManagedCertificate} keeps them: the CA may ask to validate these only. */
    private final Set<String> ordered;

    DomainValidation(List<ChallengeResponder> responders, Instant deadline, List<String> ordered) {
        this.responders = responders;
        this.deadline = deadline;
        this.ordered = Set.copyOf(ordered);
    }

    /**
     * Validates every pending authorization of {@code order}.
     *
     * @return true when all are valid; false when a challenge failed and another type is left to try, in which
     *         case the order is spent and a new one is needed
     * @throws ChallengeFailedException when a domain has no challenge type left
     */
    boolean validate(Order order) throws AcmeException, InterruptedException {
        var deployed = new ArrayList<Deployed>();
        wildcardBases.clear();
        for (var authorization : order.getAuthorizations()) {
            var domain = domain(authorization);
            if (!ordered.contains(domain)) {
                // a faulty CA or a wrong directory: answering would prove control of a name nobody asked for
                throw new AcmeException("The CA asked to validate " + domain + ", which the order for " + ordered
                        + " does not name; no challenge was deployed");
            }
            if (authorization.isWildcard()) {
                wildcardBases.add(name(authorization.getIdentifier()));
            }
        }
        try {
            for (var authorization : order.getAuthorizations()) {
                if (authorization.getStatus() == Status.VALID) {
                    continue;
                }
                if (authorization.getStatus() != Status.PENDING) {
                    throw new AcmeException("Authorization for " + domain(authorization) + " is "
                            + authorization.getStatus() + ", expected pending");
                }
                deployed.add(deploy(authorization));
            }
            sleep(propagationDelay(deployed));
            for (var item : deployed) {
                item.challenge.trigger();
            }
            var allValid = true;
            for (var item : deployed) {
                var status = Poller.await(item.challenge, EnumSet.of(Status.VALID, Status.INVALID), deadline,
                        item.responder.challengeType() + " validation of " + item.domain);
                if (status == Status.VALID) {
                    LOG.info("Validated {} with {}", item.domain, item.responder.challengeType());
                } else {
                    var reason = redact(item.challenge.getError()
                            .map(p -> p.getDetail().orElse(p.getType().toString()))
                            .orElse("the CA gave no reason"));
                    LOG.warn("Validation of {} with {} failed: {}", item.domain, item.responder.challengeType(),
                            reason);
                    fail(item.domain, item.responder.challengeType(), reason + (item.expected == null ? ""
                            : "; the CA looked for " + item.expected + ", to be set once (CertificateManager"
                            + ".persistentDnsRecords() lists every record this account needs)"));
                    allValid = false;
                }
            }
            if (!allValid) {
                for (var item : deployed) {
                    if (item.challenge.getStatus() == Status.INVALID && next(item.domain, item.authorization) == null) {
                        throw new ChallengeFailedException(item.domain, failures.get(item.domain));
                    }
                }
            }
            return allValid;
        } finally {
            for (var item : deployed) {
                remove(item);
            }
        }
    }

    private Deployed deploy(Authorization authorization) {
        var domain = domain(authorization);
        while (true) {
            var responder = next(domain, authorization);
            if (responder == null) {
                if (!failures.containsKey(domain)) {
                    fail(domain, "none", "no enabled challenge type suits this name among those the CA offers "
                            + offered(authorization)
                            + (authorization.isWildcard() ? "; wildcards need dns-01 or dns-persist-01" : ""));
                }
                throw new ChallengeFailedException(domain, failures.get(domain));
            }
            Challenge challenge = authorization.findChallenge(responder.challengeType()).orElseThrow();
            try {
                var expected = deploy(responder, challenge, authorization);
                return new Deployed(domain, authorization, responder, challenge, expected);
            } catch (Exception e) {
                LOG.warn("The {} responder failed to deploy the challenge for {}: {}", responder.challengeType(),
                        domain, e.toString());
                fail(domain, responder.challengeType(), "the responder failed to deploy: " + e);
            }
        }
    }

    /** Deploys {@code challenge}; returns the record a dns-persist-01 validation reads, else null. */
    private PersistentDnsRecord deploy(ChallengeResponder responder, Challenge challenge, Authorization authorization)
            throws Exception {
        var host = name(authorization.getIdentifier());
        if (responder instanceof DnsPersist01Responder persist && challenge instanceof DnsPersist01Challenge c) {
            var record = PersistentRecords.record(c.login(), host, wildcardBases.contains(host), persist,
                    c.issuerDomainNames());
            LOG.info("Validating {} with dns-persist-01: the CA reads {}", domain(authorization), record);
            return record;
        }
        if (responder instanceof Http01Responder http && challenge instanceof Http01Challenge c) {
            http.deploy(host, c.getToken(), c.getAuthorization());
        } else if (responder instanceof Dns01Responder dns && challenge instanceof Dns01Challenge c) {
            dns.publish(c.getRRName(authorization.getIdentifier()), c.getDigest());
        } else if (responder instanceof TlsAlpn01Responder tls && challenge instanceof TlsAlpn01Challenge c) {
            if (tlsAlpnKey == null) {
                tlsAlpnKey = KeyType.EC_P256.generate();
            }
            tls.deploy(tlsAlpnServerName(host), SelfSigned.tlsAlpn01(host, tlsAlpnKey, c.getAcmeValidation(),
                    Instant.now()), tlsAlpnKey.getPrivate(), c.getAuthorization());
        } else {
            throw new IllegalStateException("The CA's " + challenge.getType() + " challenge has an unexpected form");
        }
        return null;
    }

    private void remove(Deployed item) {
        var host = name(item.authorization.getIdentifier());
        try {
            if (item.responder instanceof Http01Responder http && item.challenge instanceof Http01Challenge c) {
                http.remove(host, c.getToken());
            } else if (item.responder instanceof Dns01Responder dns && item.challenge instanceof Dns01Challenge c) {
                dns.remove(c.getRRName(item.authorization.getIdentifier()), c.getDigest());
            } else if (item.responder instanceof TlsAlpn01Responder tls) {
                tls.remove(tlsAlpnServerName(host));
            }
        } catch (Exception e) {
            LOG.warn("The {} responder failed to clean up the challenge for {}: {}", item.responder.challengeType(),
                    item.domain, e.toString());
        }
    }

    private ChallengeResponder next(String domain, Authorization authorization) {
        var failed = failedTypes.getOrDefault(domain, Set.of());
        var ip = Identifier.TYPE_IP.equals(authorization.getIdentifier().getType());
        for (var responder : responders) {
            var type = responder.challengeType();
            var dns = responder instanceof Dns01Responder || responder instanceof DnsPersist01Responder;
            if (failed.contains(type) || (authorization.isWildcard() && !dns) || (ip && dns)) {
                continue;
            }
            if (authorization.findChallenge(type).isPresent()) {
                return responder;
            }
        }
        return null;
    }

    private void fail(String domain, String type, String reason) {
        failures.computeIfAbsent(domain, d -> new ArrayList<>()).add(new ChallengeFailedException.Attempt(type, reason));
        failedTypes.computeIfAbsent(domain, d -> new HashSet<>()).add(type);
    }

    private static Duration propagationDelay(List<Deployed> deployed) {
        return deployed.stream()
                .filter(d -> d.responder instanceof Dns01Responder)
                .map(d -> ((Dns01Responder) d.responder).propagationDelay())
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }

    private static void sleep(Duration duration) throws InterruptedException {
        if (!duration.isZero() && !duration.isNegative()) {
            LOG.debug("Waiting {} for DNS records to propagate", duration);
            Thread.sleep(duration.toMillis());
        }
    }

    /** Removes challenge tokens from a CA's explanation, which often quotes the URL it fetched. */
    static String redact(String reason) {
        return TOKEN_IN_PATH.matcher(reason).replaceAll("$1<token>");
    }

    private static String domain(Authorization authorization) {
        var domain = name(authorization.getIdentifier());
        return authorization.isWildcard() ? "*." + domain : domain;
    }

    /** The DNS name, or the IP address in the form {@link ManagedCertificate} keeps it. */
    private static String name(Identifier identifier) {
        if (Identifier.TYPE_IP.equals(identifier.getType())) {
            var ip = IpAddresses.canonical(identifier.getValue());
            return ip != null ? ip : identifier.getValue();
        }
        return identifier.getDomain();
    }

    /** The SNI a CA sends to validate {@code host}: the name, or an address's reverse name (RFC 8738). */
    private static String tlsAlpnServerName(String host) {
        return IpAddresses.looksLikeIp(host) ? IpAddresses.reverseName(host) : host;
    }

    private static List<String> offered(Authorization authorization) {
        return authorization.getChallenges().stream().map(Challenge::getType).toList();
    }

    /** @param expected the record a dns-persist-01 validation reads, else null */
    private record Deployed(String domain, Authorization authorization, ChallengeResponder responder,
                            Challenge challenge, PersistentDnsRecord expected) {
    }
}
