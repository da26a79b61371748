package dev.certpilot.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * When each certificate is next checked, for any number of certificates without a timer each: one ordered set of
 * the slots by due time and one wake-up for the earliest. Due slots are handed to the pool only while a worker is
 * free, so a million certificates due at once queue here, in order, not as a million tasks in the pool. A slot is
 * queued at most once. Due times are kept on the monotonic clock, converted from the manager's clock when
 * scheduled. Thread-safe.
 */
final class CheckQueue {

    private final TreeSet<CertificateSlot> queue = new TreeSet<>(
            Comparator.comparingLong((CertificateSlot s) -> s.deadline).thenComparingLong(s -> s.order));
    private final ScheduledExecutorService pool;
    private final int workers;
    private final Clock clock;
    private final Consumer<CertificateSlot> check;
    private int running;
    private ScheduledFuture<?> wake;
    private long wakeAt;

    /** @param check runs on a pool thread for each slot that is due, at most {@code workers} at a time */
    CheckQueue(ScheduledExecutorService pool, int workers, Clock clock, Consumer<CertificateSlot> check) {
        this.pool = pool;
        this.workers = workers;
        this.clock = clock;
        this.check = check;
    }

    /** Checks {@code slot} at {@code at} (by the manager's clock) instead of when it was due before. */
    synchronized void schedule(CertificateSlot slot, Instant at) {
        enqueue(slot, at, clock.instant(), System.nanoTime());
        dispatch();
    }

    /** Checks each of {@code slots} at the instant of the same index in {@code at}, as one step. */
    synchronized void scheduleAll(List<CertificateSlot> slots, List<Instant> at) {
        var now = clock.instant();
        var nanos = System.nanoTime();
        for (int i = 0; i < slots.size(); i++) {
            enqueue(slots.get(i), at.get(i), now, nanos);
        }
        dispatch();
    }

    private void enqueue(CertificateSlot slot, Instant at, Instant now, long nanos) {
        if (slot.queued) {
            queue.remove(slot);
        }
        slot.nextCheck = at.toEpochMilli();
        slot.deadline = nanos + Math.max(0, Duration.between(now, at).toNanos());
        slot.queued = true;
        queue.add(slot);
    }

    /** Checks {@code slot} no more (it was unmanaged). */
    synchronized void cancel(CertificateSlot slot) {
        if (slot.queued) {
            queue.remove(slot);
            slot.queued = false;
        }
        slot.nextCheck = Long.MIN_VALUE;
    }

    /** How many slots wait for their check. */
    synchronized int size() {
        return queue.size();
    }

    private void dispatch() {
        var now = System.nanoTime();
        while (running < workers && !queue.isEmpty() && queue.first().deadline - now <= 0) {
            var slot = queue.pollFirst();
            slot.queued = false;
            running++;
            try {
                pool.execute(() -> run(slot));
            } catch (RejectedExecutionException closed) {
                running--;
                return;
            }
        }
        if (queue.isEmpty() || running >= workers) {
            return; // a finishing check dispatches again
        }
        var next = queue.first().deadline;
        if (wake != null && !wake.isDone() && wakeAt - next <= 0) {
            return; // already armed early enough
        }
        if (wake != null) {
            wake.cancel(false);
        }
        wakeAt = next;
        try {
            wake = pool.schedule(this::wake, Math.max(0, next - now), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // closing
        }
    }

    private synchronized void wake() {
        wake = null;
        dispatch();
    }

    private void run(CertificateSlot slot) {
        try {
            check.accept(slot);
        } finally {
            synchronized (this) {
                running--;
                dispatch();
            }
        }
    }
}
