package dev.certpilot.core.internal.renewal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.SortedSet;
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
public final class CheckQueue {

    /** By due time, then by this instance's turn (see {@link CertificateSlot#turn}), then the order added. */
    private static final Comparator<CertificateSlot> DUE_FIRST = (a, b) -> {
        var byDeadline = Long.compare(a.deadline, b.deadline);
        if (byDeadline != 0) {
            return byDeadline;
        }
        var byTurn = Long.compare(a.turn, b.turn);
        return byTurn != 0 ? byTurn : Long.compare(a.order, b.order);
    };

    private final TreeSet<CertificateSlot> queue = new TreeSet<>(DUE_FIRST);
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
        var now = clock.instant();
        var nanos = System.nanoTime();
        if (slot.queued) {
            queue.remove(slot);
        }
        slot.nextCheck = at.toEpochMilli();
        slot.deadline = nanos + Math.max(0, Duration.between(now, at).toNanos());
        slot.queued = true;
        queue.add(slot);
        dispatch();
    }

    /**
     * Checks each of {@code slots} at the epoch millisecond (by the manager's clock) of the same index in
     * {@code atMillis}, as one step; into an empty queue (a start) in linear time after one sort.
     */
    synchronized void scheduleAll(List<CertificateSlot> slots, long[] atMillis) {
        var now = clock.millis();
        var nanos = System.nanoTime();
        if (!queue.isEmpty() || slots.stream().anyMatch(slot -> slot.queued)) {
            for (int i = 0; i < slots.size(); i++) {
                enqueue(slots.get(i), atMillis[i], now, nanos);
            }
        } else {
            var sorted = slots.toArray(CertificateSlot[]::new);
            for (int i = 0; i < sorted.length; i++) {
                due(sorted[i], atMillis[i], now, nanos);
            }
            Arrays.sort(sorted, DUE_FIRST);
            queue.addAll(new SortedSlots(sorted)); // TreeSet builds from a sorted set without comparing
        }
        dispatch();
    }

    private void enqueue(CertificateSlot slot, long atMillis, long now, long nanos) {
        if (slot.queued) {
            queue.remove(slot);
        }
        due(slot, atMillis, now, nanos);
        queue.add(slot);
    }

    private static void due(CertificateSlot slot, long atMillis, long now, long nanos) {
        slot.nextCheck = atMillis;
        slot.deadline = nanos + TimeUnit.MILLISECONDS.toNanos(Math.max(0, atMillis - now));
        slot.queued = true;
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

    /** An array sorted by {@link #DUE_FIRST}, seen as the sorted set {@link TreeSet#addAll} copies in linear time. */
    private static final class SortedSlots extends AbstractSet<CertificateSlot> implements SortedSet<CertificateSlot> {

        private final List<CertificateSlot> slots;

        SortedSlots(CertificateSlot[] sorted) {
            this.slots = Arrays.asList(sorted);
        }

        @Override
        public Iterator<CertificateSlot> iterator() {
            return slots.iterator();
        }

        @Override
        public int size() {
            return slots.size();
        }

        @Override
        public Comparator<? super CertificateSlot> comparator() {
            return DUE_FIRST;
        }

        @Override
        public CertificateSlot first() {
            return slots.get(0);
        }

        @Override
        public CertificateSlot last() {
            return slots.get(slots.size() - 1);
        }

        @Override
        public SortedSet<CertificateSlot> subSet(CertificateSlot from, CertificateSlot to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SortedSet<CertificateSlot> headSet(CertificateSlot to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SortedSet<CertificateSlot> tailSet(CertificateSlot from) {
            throw new UnsupportedOperationException();
        }
    }
}
