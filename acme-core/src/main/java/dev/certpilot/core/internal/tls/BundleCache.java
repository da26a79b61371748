package dev.certpilot.core.internal.tls;

import java.util.ArrayList;
import java.util.List;

import dev.certpilot.core.CertificateBundle;

/**
 * Bounds how many certificates are kept parsed in memory, with the CLOCK policy: a ring of the certificates in
 * memory and a hand that, to make room, clears the used flag of each it passes and evicts the first it finds unused.
 * A handshake only sets a flag; only a certificate coming into memory takes the cache's lock. The last bundles
 * evicted or replaced stay reachable by {@link #recent}, so that a handshake that chose a certificate just before
 * gets its chain and key. Thread-safe.
 */
public final class BundleCache {

    private static final int RECENT = 64;

    private final ServedCertificate[] ring;
    private final CertificateBundle[] recent = new CertificateBundle[RECENT];
    private int hand;
    private int recentNext;

    BundleCache(int capacity) {
        this.ring = new ServedCertificate[capacity];
    }

    /** Records that {@code entry} now has a bundle in memory, evicting another's if the cache is full. */
    void admit(ServedCertificate entry) {
        ServedCertificate victim = null;
        synchronized (this) {
            if (entry.cacheSlot >= 0) {
                return;
            }
            while (true) {
                var current = ring[hand];
                if (current == null) {
                    break;
                }
                if (!current.used) {
                    victim = current;
                    victim.cacheSlot = -1;
                    break;
                }
                current.used = false;
                hand = (hand + 1) % ring.length;
            }
            ring[hand] = entry;
            entry.cacheSlot = hand;
            hand = (hand + 1) % ring.length;
        }
        if (victim != null) {
            synchronized (victim) {
                var bundle = victim.bundle;
                if (bundle != null && victim.cacheSlot < 0) {
                    victim.bundle = null;
                    remember(bundle);
                }
            }
        }
    }

    /** Forgets {@code entry}, which was unmanaged. */
    synchronized void remove(ServedCertificate entry) {
        if (entry.cacheSlot >= 0) {
            ring[entry.cacheSlot] = null;
            entry.cacheSlot = -1;
        }
    }

    /** Keeps {@code bundle}, just replaced or evicted, reachable for handshakes that chose it a moment ago. */
    synchronized void remember(CertificateBundle bundle) {
        recent[recentNext] = bundle;
        recentNext = (recentNext + 1) % RECENT;
    }

    /** The bundle recently replaced or evicted that has {@code alias}, or null. */
    synchronized CertificateBundle recent(String alias) {
        for (var bundle : recent) {
            if (bundle != null && ServedCertificates.alias(bundle).equals(alias)) {
                return bundle;
            }
        }
        return null;
    }

    /** The certificates in memory now. */
    synchronized List<ServedCertificate> inMemory() {
        var result = new ArrayList<ServedCertificate>();
        for (var entry : ring) {
            if (entry != null) {
                result.add(entry);
            }
        }
        return result;
    }

    int capacity() {
        return ring.length;
    }
}
