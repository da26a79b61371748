package dev.certpilot.core.internal.notify;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateListener;
import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.Notice;
import dev.certpilot.core.NotificationCounts;
import dev.certpilot.core.Notifications;
import dev.certpilot.core.SerialNumbers;
import dev.certpilot.core.StorageException;
import dev.certpilot.core.spi.Notifier;

/**
 * Turns the manager's events into {@link Notice}s and sends them to the notifiers on a thread of its own. A problem
 * is told once per certificate, again when its kind or cause changes or the reminder interval has passed, and its
 * end is told as {@link Notice.Kind#RECOVERED}. Notices arising together are gathered for two seconds and go out as
 * one digest when there are more than three; while a storm lasts, the gathering doubles after each digest, up to five
 * minutes. {@link #onEvent} never blocks: a full queue drops the notice and
 * counts it. Thread-safe.
 */
public final class NoticeDispatcher implements CertificateListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.notify");
    /** More notices than this, taken from the queue together, go out as one digest. */
    static final int DIGEST_ABOVE = 3;
    /**
     * How long notices are gathered after the first before they are sent; doubled after each digest, up to
     * {@link #GATHER_MOST}, and back to this once a batch is no digest.
     */
    static final Duration GATHER_FIRST = Duration.ofSeconds(2);
    static final Duration GATHER_MOST = Duration.ofMinutes(5);
    /** A notifier's failures are logged at most once in this long, with a count of the others. */
    private static final long LOG_EVERY_MILLIS = 60_000;
    private static final Notice STOP = new Notice(Notice.Kind.DIGEST, "*", List.of(), "stop", "", 0, null, "",
            Instant.EPOCH, List.of());

    private final Notifications settings;
    private final Clock clock;
    private final Function<String, Optional<ManagedCertificate>> managed;
    private final Function<String, Optional<CertificateBundle>> served;
    private final BlockingQueue<Notice> queue;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread worker;
    private final Duration gatherFirst;

    // guarded by this
    private final Map<String, Told> told = new HashMap<>();
    private final Map<String, CertificateEvent.Failed> lastFailure = new HashMap<>();
    private final Map<String, URI> lastCa = new HashMap<>();
    // the worker's own
    private final Map<Notifier, Long> lastLogged = new HashMap<>();
    private final Map<Notifier, Integer> unlogged = new HashMap<>();

    /** A problem told: what it was, and when it was last told. */
    private record Told(Notice.Kind kind, String signature, Instant at) {
    }

    /**
     * @param settings who is told and how often
     * @param clock    the manager's clock, for reminders
     * @param managed  a certificate configured by name (not one obtained on demand), found without a scan
     * @param served   what is served for a name
     */
    public NoticeDispatcher(Notifications settings, Clock clock, Function<String, Optional<ManagedCertificate>> managed,
                            Function<String, Optional<CertificateBundle>> served) {
        this(settings, clock, managed, served, GATHER_FIRST);
    }

    /**
     * @param gatherFirst how long notices are gathered after the first, before the doubling; {@link #GATHER_FIRST}
     *                    but in tests of what is told
     */
    public NoticeDispatcher(Notifications settings, Clock clock, Function<String, Optional<ManagedCertificate>> managed,
                            Function<String, Optional<CertificateBundle>> served, Duration gatherFirst) {
        this.gatherFirst = gatherFirst;
        this.settings = settings;
        this.clock = clock;
        this.managed = managed;
        this.served = served;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.worker = new Thread(this::run, "certpilot-notify");
        worker.setDaemon(true);
    }

    /** Starts sending. */
    public void start() {
        worker.start();
    }

    /** What the notifiers did so far. */
    public NotificationCounts counts() {
        return new NotificationCounts(sent.get(), failed.get(), dropped.get());
    }

    @Override
    public void onEvent(CertificateEvent event) {
        noticeOf(event).ifPresent(this::offer);
    }

    private synchronized Optional<Notice> noticeOf(CertificateEvent event) {
        var name = event.name();
        var now = event.time();
        if (event instanceof CertificateEvent.Obtaining obtaining) {
            var previous = lastCa.put(name, obtaining.certificateAuthority());
            var failure = lastFailure.get(name);
            if (previous != null && !previous.equals(obtaining.certificateAuthority()) && failure != null) {
                return tell(NoticeWriter.problem(Notice.Kind.CA_FAILOVER, name, obtaining.domains(),
                        "orders failed with " + previous + " and now go to " + obtaining.certificateAuthority(),
                        failure.cause(), failure.attempt(), null, now), failure.cause());
            }
            return Optional.empty();
        }
        if (event instanceof CertificateEvent.Failed failure) {
            lastFailure.put(name, failure);
            if (failure.cause() instanceof StorageException) {
                return tell(NoticeWriter.problem(Notice.Kind.STORAGE_FAILING, name, domainsOf(name),
                        "the store cannot save it; it is served from memory and would be lost at a restart",
                        failure.cause(), failure.attempt(), failure.nextAttempt(), now), failure.cause());
            }
            // a name obtained on demand that never had a certificate is anybody's SNI: nobody is told
            var current = served.apply(name);
            if (failure.attempt() >= 2 && managed.apply(name).isPresent()
                    && current.map(CertificateBundle::isSelfSigned).orElse(true)) {
                return tell(NoticeWriter.problem(Notice.Kind.NOT_OBTAINED, name, domainsOf(name),
                        "no certificate from the CA yet: clients get the self-signed bootstrap certificate",
                        failure.cause(), failure.attempt(), failure.nextAttempt(), now), failure.cause());
            }
            return Optional.empty();
        }
        if (event instanceof CertificateEvent.Expiring expiring) {
            var failure = lastFailure.get(name);
            var kind = expiring.remaining().isNegative() ? Notice.Kind.EXPIRED : Notice.Kind.EXPIRING;
            var cause = failure == null ? null : failure.cause();
            return tell(NoticeWriter.problem(kind, name, domainsOf(name),
                    NoticeWriter.expiry(expiring.remaining()), cause, failure == null ? 0 : failure.attempt(),
                    failure == null ? null : failure.nextAttempt(), now), cause);
        }
        if (event instanceof CertificateEvent.RenewalRequested requested) {
            return tell(NoticeWriter.problem(Notice.Kind.RENEWAL_REQUESTED, name, domainsOf(name), "the CA asked to "
                    + "renew certificate " + SerialNumbers.hex(requested.serial()) + " ahead of its schedule "
                    + "(renewal window " + requested.windowStart() + " to " + requested.windowEnd() + "): it may "
                    + "revoke it soon, as in a mass revocation; it is being renewed now"
                    + (requested.explanation() == null ? "" : ". The CA explains: " + requested.explanation()),
                    null, 0, null, now), null);
        }
        if (event instanceof CertificateEvent.Revoked revoked) {
            return tell(NoticeWriter.problem(Notice.Kind.REVOKED, name, domainsOf(name), "the certificate "
                    + SerialNumbers.hex(revoked.serial()) + " was revoked (" + revoked.reason() + ")", null, 0,
                    null, now), null);
        }
        if (event instanceof CertificateEvent.Obtained obtained) {
            return issued(name, obtained.certificate(), now);
        }
        if (event instanceof CertificateEvent.Renewed renewed) {
            return issued(name, renewed.certificate(), now);
        }
        if (event instanceof CertificateEvent.Unmanaged) {
            told.remove(name);
            lastFailure.remove(name);
            lastCa.remove(name);
        }
        return Optional.empty();
    }

    private List<String> domainsOf(String name) {
        return managed.apply(name).map(ManagedCertificate::domains)
                .or(() -> served.apply(name).map(CertificateBundle::domains)).orElse(List.of(name));
    }

    private Optional<Notice> tell(Notice notice, CertpilotException cause) {
        var signature = NoticeWriter.signature(notice.kind(), cause);
        var before = told.get(notice.certificate());
        if (before != null && before.kind() == notice.kind() && before.signature().equals(signature)
                && before.at().plus(settings.reminderInterval()).isAfter(notice.time())) {
            return Optional.empty();
        }
        told.put(notice.certificate(), new Told(notice.kind(), signature, notice.time()));
        return Optional.of(notice);
    }

    private Optional<Notice> issued(String name, CertificateBundle certificate, Instant now) {
        lastFailure.remove(name);
        var summary = "certificate " + SerialNumbers.hex(certificate.serialNumber()) + " is served, valid until "
                + certificate.notAfter();
        if (told.remove(name) != null) {
            return Optional.of(NoticeWriter.info(Notice.Kind.RECOVERED, name, certificate.domains(),
                    "resolved: " + summary, now));
        }
        if (settings.onIssuance()) {
            return Optional.of(NoticeWriter.info(Notice.Kind.ISSUED, name, certificate.domains(), summary, now));
        }
        return Optional.empty();
    }

    private void offer(Notice notice) {
        if (!queue.offer(notice)) {
            var count = dropped.incrementAndGet();
            if (Long.bitCount(count) == 1) {
                LOG.warn("The notice queue is full ({} waiting): dropped {} notices so far, the last one: {}",
                        settings.queueCapacity(), count, notice.subject());
            }
        }
    }

    private void run() {
        var batch = new ArrayList<Notice>();
        var gather = gatherFirst;
        while (true) {
            try {
                gather(batch, gather);
            } catch (InterruptedException e) {
                return;
            }
            var stop = batch.removeIf(notice -> notice == STOP);
            if (batch.size() > DIGEST_ABOVE) {
                sendToAll(Notice.digest(batch, clock.instant()));
                gather = gather.multipliedBy(2).compareTo(GATHER_MOST) > 0 ? GATHER_MOST : gather.multipliedBy(2);
            } else {
                batch.forEach(this::sendToAll);
                gather = gatherFirst;
            }
            batch.clear();
            if (stop) {
                return;
            }
        }
    }

    /**
     * Waits for a notice, then gathers those that follow for {@code gather} (real time: this is about messages, not
     * the manager's schedule), so that a storm goes out as digests, fewer the longer it lasts.
     */
    private void gather(List<Notice> batch, Duration gather) throws InterruptedException {
        var first = queue.take();
        batch.add(first);
        var deadline = System.nanoTime() + gather.toNanos();
        for (var last = first; last != STOP; ) {
            var left = deadline - System.nanoTime();
            last = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
            if (last == null) {
                break;
            }
            batch.add(last);
        }
        queue.drainTo(batch);
    }

    private void sendToAll(Notice notice) {
        for (var notifier : settings.notifiers()) {
            try {
                notifier.send(notice);
                sent.incrementAndGet();
            } catch (Exception e) {
                failed.incrementAndGet();
                logFailure(notifier, notice, e);
            }
        }
    }

    private void logFailure(Notifier notifier, Notice notice, Throwable e) {
        var now = clock.millis();
        var last = lastLogged.get(notifier);
        if (last != null && now - last < LOG_EVERY_MILLIS) {
            unlogged.merge(notifier, 1, Integer::sum);
            return;
        }
        var others = unlogged.getOrDefault(notifier, 0);
        lastLogged.put(notifier, now);
        unlogged.remove(notifier);
        LOG.warn("Notifier {} could not send '{}': {}{}", notifier, notice.subject(), e.toString(),
                others == 0 ? "" : " (and " + others + " other failures since the last line)");
    }

    /** Sends what is queued, for up to 10 seconds, then stops the thread. */
    @Override
    public void close() {
        if (!worker.isAlive()) {
            return;
        }
        if (!queue.offer(STOP)) {
            worker.interrupt();
        }
        try {
            worker.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker.interrupt();
    }
}
