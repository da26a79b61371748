package dev.certpilot.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records events and lets a test wait for one. Thread-safe. */
final class EventLog implements CertificateListener {

    private final List<CertificateEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(CertificateEvent event) {
        synchronized (this) {
            events.add(event);
            notifyAll();
        }
    }

    List<CertificateEvent> all() {
        return List.copyOf(events);
    }

    <T extends CertificateEvent> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Waits until {@code count} events of {@code type} have arrived; returns the last of them. */
    synchronized <T extends CertificateEvent> T await(Class<T> type, int count, Duration timeout)
            throws InterruptedException {
        var deadline = System.nanoTime() + timeout.toNanos();
        while (of(type).size() < count) {
            var left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("Waited " + timeout + " for " + count + " " + type.getSimpleName()
                        + " events; got " + all());
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return of(type).get(count - 1);
    }
}
