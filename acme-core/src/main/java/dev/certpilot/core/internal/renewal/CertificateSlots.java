package dev.certpilot.core.internal.renewal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.internal.tls.ServedCertificates;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * The managed certificates by name, each with its {@link CertificateSlot}: added with the check that no name or
 * domain is managed twice, removed, and listed in the order they were added. Which certificate has which domain is
 * recorded once, in {@link ServedCertificates}, which this keeps in step. Thread-safe: changes are serialized,
 * lookups take no lock.
 */
public final class CertificateSlots {

    private final ServedCertificates served;
    private final ConcurrentHashMap<String, CertificateSlot> slots;
    private final Object changes = new Object();
    private long added; // guarded by changes

    /** @param expected how many certificates are expected, to size the index once */
    CertificateSlots(ServedCertificates served, int expected) {
        this.served = served;
        this.slots = new ConcurrentHashMap<>(expected);
    }

    /** The slot of {@code name}; null if it is not managed. */
    CertificateSlot get(String name) {
        return slots.get(name);
    }

    /**
     * The slot of {@code name}.
     *
     * @throws IllegalArgumentException naming some of the managed certificates, if it is not managed
     */
    CertificateSlot require(String name) {
        var slot = slots.get(name);
        if (slot == null) {
            var managed = slots.keySet().stream().sorted().limit(10).toList();
            throw new IllegalArgumentException("No managed certificate named '" + name + "'; managed: "
                    + managed + (slots.size() > 10 ? " and " + (slots.size() - 10) + " more" : ""));
        }
        return slot;
    }

    /**
     * Adds {@code certificates}, served from now on; returns the slots added (a certificate managed already with the
     * same domains is left as it is).
     *
     * @throws IllegalArgumentException if a name is managed already with other domains, or a domain is in another
     *                                  certificate; then none is added
     */
    List<CertificateSlot> addAll(Collection<ManagedCertificate> certificates, boolean onDemand) {
        var result = new ArrayList<CertificateSlot>();
        synchronized (changes) {
            var names = new HashMap<String, ManagedCertificate>();
            var domains = new HashMap<String, String>();
            for (var certificate : certificates) {
                var existing = slots.get(certificate.name());
                var other = names.put(certificate.name(), certificate);
                if (existing != null && !existing.certificate.equals(certificate)
                        || other != null && !other.equals(certificate)) {
                    throw new IllegalArgumentException("Certificate '" + certificate.name() + "' is managed for "
                            + (existing != null ? existing.certificate : other).domains() + " already; unmanage it "
                            + "first to manage it for " + certificate.domains());
                }
                for (var domain : certificate.domains()) {
                    var owner = served.owner(domain);
                    owner = owner != null ? owner : domains.get(domain);
                    if (owner != null && !owner.equals(certificate.name())) {
                        throw new IllegalArgumentException("Domain " + domain + " is in certificates '" + owner
                                + "' and '" + certificate.name() + "': list it in one only");
                    }
                    domains.put(domain, certificate.name());
                }
            }
            for (var certificate : names.values()) {
                var slot = add(certificate, null, false, onDemand);
                if (slot != null) {
                    result.add(slot);
                }
            }
        }
        return result;
    }

    /**
     * Adds a slot for {@code certificate} unless its name or a domain is managed; returns it, or null if not added.
     * {@code stored} is its entry in the store's listing, if {@code looked} (else its first use reads the store).
     */
    CertificateSlot add(ManagedCertificate certificate, StoredCertificate stored, boolean looked, boolean onDemand) {
        synchronized (changes) {
            if (slots.containsKey(certificate.name())) {
                return null;
            }
            for (var domain : certificate.domains()) {
                if (served.owner(domain) != null) {
                    return null;
                }
            }
            var slot = new CertificateSlot(certificate, added++, onDemand);
            slots.put(certificate.name(), slot);
            served.add(certificate, stored, looked);
            return slot;
        }
    }

    /** Removes {@code names} and stops serving them; returns the slots removed, each marked {@code removed}. */
    List<CertificateSlot> removeAll(Collection<String> names) {
        var removed = new ArrayList<CertificateSlot>();
        synchronized (changes) {
            for (var name : names) {
                var slot = slots.remove(name);
                if (slot != null) {
                    slot.removed = true;
                    served.remove(name);
                    removed.add(slot);
                }
            }
        }
        return removed;
    }

    int size() {
        return slots.size();
    }

    boolean contains(String name) {
        return slots.containsKey(name);
    }

    /** Every slot, in no order. */
    Collection<CertificateSlot> all() {
        return slots.values();
    }

    /** Every slot, in the order they were added. */
    List<CertificateSlot> sorted() {
        var result = new ArrayList<>(slots.values());
        result.sort(Comparator.comparingLong(s -> s.order));
        return result;
    }

    /**
     * The certificate an on-demand order made for {@code entry}, which names it after its one domain; null if it
     * does not look like one.
     */
    static ManagedCertificate onDemandCertificate(StoredCertificate entry) {
        if (entry.domains().size() != 1) {
            return null;
        }
        try {
            var certificate = ManagedCertificate.of(entry.domains().get(0));
            return certificate.name().equals(entry.name()) && !certificate.hasWildcard() ? certificate : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
