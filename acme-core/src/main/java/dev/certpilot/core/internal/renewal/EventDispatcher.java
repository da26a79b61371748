package dev.certpilot.core.internal.renewal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateListener;
import dev.certpilot.core.SerialNumbers;
import dev.certpilot.core.StorageException;

/**
 * Tells the listeners about each {@link CertificateEvent} and logs it under {@code dev.certpilot.renewal}, never
 * with a key or a token. A listener that throws is logged and the others still hear. Thread-safe.
 */
public final class EventDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.renewal");

    private final List<CertificateListener> listeners = new CopyOnWriteArrayList<>();

    EventDispatcher(List<CertificateListener> initial) {
        listeners.addAll(initial);
    }

    void add(CertificateListener listener) {
        listeners.add(listener);
    }

    void remove(CertificateListener listener) {
        listeners.remove(listener);
    }

    void emit(CertificateEvent event) {
        log(event);
        for (var listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("Certificate listener {} failed on {}", listener, event.getClass().getSimpleName(), e);
            }
        }
    }

    private static void log(CertificateEvent event) {
        if (event instanceof CertificateEvent.Obtaining e) {
            LOG.info("{} certificate {} for {} from {} (attempt {})", e.renewal() ? "Renewing" : "Obtaining",
                    e.name(), e.domains(), e.certificateAuthority(), e.attempt());
        } else if (event instanceof CertificateEvent.Obtained e) {
            LOG.info("Obtained certificate {} (serial {}, valid until {})", e.name(),
                    SerialNumbers.hex(e.certificate().serialNumber()), e.certificate().notAfter());
        } else if (event instanceof CertificateEvent.Renewed e) {
            LOG.info("Renewed certificate {} (serial {} replaces {}, valid until {})", e.name(),
                    SerialNumbers.hex(e.certificate().serialNumber()), SerialNumbers.hex(e.previousSerial()),
                    e.certificate().notAfter());
        } else if (event instanceof CertificateEvent.Failed e) {
            if (e.cause() instanceof StorageException && e.attempt() > 1) {
                // a store that stays down: its first failure per certificate, and the store's summary, are enough
                LOG.debug("Certificate {} failed (attempt {}), next attempt at {}: {}", e.name(), e.attempt(),
                        e.nextAttempt(), e.cause().getMessage());
                return;
            }
            LOG.warn("Certificate {} failed (attempt {}), next attempt at {}: {}", e.name(), e.attempt(),
                    e.nextAttempt(), e.cause().getMessage());
        } else if (event instanceof CertificateEvent.Expiring e) {
            if (e.remaining().isNegative()) {
                LOG.error("Certificate {} expired at {}, {} ago, and renewal keeps failing", e.name(), e.notAfter(),
                        e.remaining().negated());
            } else {
                LOG.error("Certificate {} expires at {} ({} left) and renewal keeps failing", e.name(), e.notAfter(),
                        e.remaining());
            }
        } else if (event instanceof CertificateEvent.RenewalRequested e) {
            LOG.warn("The CA asks to renew certificate {} (serial {}) now, ahead of its schedule (renewal window {} to "
                    + "{}{}): it may revoke it soon; renewing", e.name(), SerialNumbers.hex(e.serial()),
                    e.windowStart(), e.windowEnd(), e.explanation() == null ? "" : ", explained at " + e.explanation());
        } else if (event instanceof CertificateEvent.Revoked e) {
            LOG.warn("Revoked certificate {} (serial {}, reason {})", e.name(), SerialNumbers.hex(e.serial()),
                    e.reason());
        } else if (event instanceof CertificateEvent.Unmanaged e) {
            LOG.info("Certificate {} is no longer managed ({}){}", e.name(), e.reason(),
                    e.deleted() ? "; deleted it from the store" : "; it stays in the store");
        }
    }
}
