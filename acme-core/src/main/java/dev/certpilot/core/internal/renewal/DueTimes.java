package dev.certpilot.core.internal.renewal;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.internal.acme.Issuer;
import dev.certpilot.core.internal.acme.SuggestedWindow;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * When each certificate is due: inside the renewal window its issuing CA suggests (ACME Renewal Information,
 * asked at most every six hours or when the CA says), else by the lifetime rule of the {@link RenewalPolicy}.
 * The window is asked of the CA that issued the certificate. Keeps its cache in the slots; call with the slot's
 * lock held. Stateless itself.
 */
public final class DueTimes {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.renewal");
    private static final Duration REFRESH = Duration.ofHours(6);

    private final List<Issuer> issuers;
    private final RenewalPolicy policy;
    private final RandomGenerator random;

    DueTimes(List<Issuer> issuers, RenewalPolicy policy, RandomGenerator random) {
        this.issuers = issuers;
        this.policy = policy;
        this.random = random;
    }

    /** When {@code certificate} is due by what is known without asking the CA: its renewal window, else its lifetime. */
    Instant known(CertificateSlot slot, StoredCertificate certificate) {
        return certificate.serial().equals(slot.ariSerial) && slot.ariDue != null ? slot.ariDue
                : policy.lifetimeDue(certificate);
    }

    /**
     * When {@code certificate} should be renewed, asking its CA for a window when the cached one is stale; only then
     * is its {@code leaf} read.
     */
    Instant due(CertificateSlot slot, StoredCertificate certificate, Supplier<X509Certificate> leaf, Instant now) {
        if (!certificate.serial().equals(slot.ariSerial) || slot.ariRefresh == null || !now.isBefore(slot.ariRefresh)) {
            slot.ariSerial = certificate.serial();
            slot.ariDue = null;
            slot.ariWindow = null;
            slot.ariRefresh = now.plus(REFRESH);
            try {
                var window = window(slot, leaf.get());
                if (window.isPresent()) {
                    slot.ariDue = window.get().randomInstant(random);
                    slot.ariWindow = window.get();
                    if (window.get().retryAfter() != null) {
                        var floor = now.plus(Duration.ofMinutes(1));
                        slot.ariRefresh = window.get().retryAfter().isAfter(floor) ? window.get().retryAfter() : floor;
                    }
                    LOG.debug("CA suggests renewing {} between {} and {}; chose {}", slot.name(),
                            window.get().start(), window.get().end(), slot.ariDue);
                }
            } catch (CertpilotException e) {
                LOG.debug("No renewal information for {} ({}); using the lifetime rule", slot.name(), e.getMessage());
            }
        }
        return slot.ariDue != null ? slot.ariDue : policy.lifetimeDue(certificate);
    }

    /**
     * The CA's window for {@code certificate} when the CA asks for its renewal well ahead of schedule: the window has
     * opened, and it ends more than a tenth of the lifetime before the lifetime rule would renew. A normal window
     * (Let's Encrypt's ends after the lifetime rule's time) is not; a window moved to the past before a revocation
     * is.
     */
    Optional<SuggestedWindow> requestedEarly(CertificateSlot slot, StoredCertificate certificate, Instant now) {
        var window = slot.ariWindow;
        if (window == null || !certificate.serial().equals(slot.ariSerial) || window.start().isAfter(now)) {
            return Optional.empty();
        }
        var margin = Duration.between(certificate.notBefore(), certificate.notAfter()).dividedBy(10);
        return window.end().isBefore(policy.lifetimeDue(certificate).minus(margin)) ? Optional.of(window)
                : Optional.empty();
    }

    /**
     * The renewal window of {@code leaf} from the CA that issued it: the one that did, when this manager
     * obtained it; else the first configured CA that knows the certificate (a CA answers ARI only for its own).
     */
    private Optional<SuggestedWindow> window(CertificateSlot slot, X509Certificate leaf) {
        if (leaf == null) {
            return Optional.empty(); // no longer in the store: the next check finds out
        }
        if (slot.issuedBy != null) {
            return slot.issuedBy.suggestedWindow(leaf);
        }
        CertpilotException unknown = null;
        for (var issuer : issuers) {
            try {
                var window = issuer.suggestedWindow(leaf);
                if (window.isPresent()) {
                    slot.issuedBy = issuer;
                    return window;
                }
            } catch (CertpilotException e) {
                unknown = e; // not this CA's certificate, or no answer: ask the next
            }
        }
        if (unknown != null) {
            throw unknown;
        }
        return Optional.empty();
    }
}
