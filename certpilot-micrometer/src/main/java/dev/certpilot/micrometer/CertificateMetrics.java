package dev.certpilot.micrometer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateListener;
import dev.certpilot.core.CertificateManager;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The metrics of one {@link CertificateManager}, for any Micrometer registry:
 * <ul>
 *   <li>{@value #EXPIRY} (gauge, seconds, tag {@code certificate}): time left until the served certificate expires,
 *       negative once it has; a self-signed bootstrap certificate counts as none and is not reported. For
 *       alerting: page when it drops under the expiry warning (7 days by default).</li>
 *   <li>{@value #ORDERS} (counter, tag {@code result}: {@code obtained}, {@code renewed} or {@code failed}): orders
 *       by outcome, a certificate found in the store (obtained by another instance) counted as obtained.</li>
 *   <li>{@value #RENEWAL_FAILURES} (counter, tag {@code certificate}): failed attempts to replace a served
 *       certificate.</li>
 *   <li>{@value #ORDER_DURATION} (timer, tag {@code result}): from placing an order to its outcome, time to issue
 *       when it succeeds.</li>
 *   <li>{@value #NOTIFICATIONS} (counter, tag {@code result}: {@code sent}, {@code failed} or {@code dropped}): the
 *       notices of {@code CertificateManagerBuilder.notifications}, one per notifier; alert on {@code failed}, which
 *       means nobody hears of problems.</li>
 * </ul>
 * Certificates added at run time get their gauge when their first certificate is served; unmanaged ones lose it.
 * With on-demand TLS over many names, one gauge per name is one time series per name: filter {@value #EXPIRY} out
 * with a {@code MeterFilter} if your backend cannot take that many.
 *
 * <pre>{@code
 * new CertificateMetrics(manager).bindTo(registry);
 * }</pre>
 *
 * <p>Bind to one registry ({@code CompositeMeterRegistry} for several). Thread-safe: events arrive on the manager's
 * threads.
 */
public final class CertificateMetrics implements MeterBinder {

    /** Seconds until the served certificate expires, per certificate. */
    public static final String EXPIRY = "certpilot.certificate.expiry";
    /** Orders by result. */
    public static final String ORDERS = "certpilot.orders";
    /** Failed renewal attempts, per certificate. */
    public static final String RENEWAL_FAILURES = "certpilot.renewal.failures";
    /** Time from an order to its outcome, by result. */
    public static final String ORDER_DURATION = "certpilot.order.duration";
    /** Notices by result. */
    public static final String NOTIFICATIONS = "certpilot.notifications";

    private final CertificateManager manager;
    private final Clock clock;
    private final Map<String, Instant> notAfter = new ConcurrentHashMap<>();
    private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();
    private final Map<String, CertificateEvent.Obtaining> pending = new ConcurrentHashMap<>();
    private volatile MeterRegistry registry;

    /**
     * Metrics of {@code manager}, with time measured by the system clock.
     *
     * @param manager the manager measured
     */
    public CertificateMetrics(CertificateManager manager) {
        this(manager, Clock.systemUTC());
    }

    /**
     * Metrics of {@code manager}, with the time left measured by {@code clock} (the manager's).
     *
     * @param manager the manager measured
     * @param clock the manager's clock
     */
    public CertificateMetrics(CertificateManager manager, Clock clock) {
        this.manager = Objects.requireNonNull(manager, "manager");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Registers the meters and starts counting the manager's events.
     *
     * @throws IllegalStateException if already bound to a registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (this) {
            if (this.registry != null) {
                throw new IllegalStateException("CertificateMetrics is bound to a registry already; bind one "
                        + "CompositeMeterRegistry to report to several");
            }
            this.registry = registry;
        }
        for (var result : new String[] {"obtained", "renewed", "failed"}) {
            orders(result);
            duration(result);
        }
        FunctionCounter.builder(NOTIFICATIONS, manager, m -> m.notificationCounts().sent()).tag("result", "sent")
                .description("Notices sent, one per notifier").register(registry);
        FunctionCounter.builder(NOTIFICATIONS, manager, m -> m.notificationCounts().failed()).tag("result", "failed")
                .description("Notices a notifier could not send").register(registry);
        FunctionCounter.builder(NOTIFICATIONS, manager, m -> m.notificationCounts().dropped())
                .tag("result", "dropped").description("Notices dropped: the queue was full").register(registry);
        manager.addListener(listener());
        for (var status : manager.status()) {
            if (!status.bootstrap() && status.notAfter() != null) {
                served(status.name(), status.notAfter());
            }
        }
    }

    private CertificateListener listener() {
        return event -> {
            if (event instanceof CertificateEvent.Obtaining obtaining) {
                pending.put(obtaining.name(), obtaining);
            } else if (event instanceof CertificateEvent.Obtained obtained) {
                outcome(obtained, "obtained");
                served(obtained.name(), obtained.certificate().notAfter());
            } else if (event instanceof CertificateEvent.Renewed renewed) {
                outcome(renewed, "renewed");
                served(renewed.name(), renewed.certificate().notAfter());
            } else if (event instanceof CertificateEvent.Failed failed) {
                var order = outcome(failed, "failed");
                if (order != null && order.renewal()) {
                    Counter.builder(RENEWAL_FAILURES).description("Failed attempts to renew a served certificate")
                            .tag("certificate", failed.name()).register(registry).increment();
                }
            } else if (event instanceof CertificateEvent.Unmanaged unmanaged) {
                pending.remove(unmanaged.name());
                notAfter.remove(unmanaged.name());
                var gauge = gauges.remove(unmanaged.name());
                if (gauge != null) {
                    registry.remove(gauge);
                }
            }
        };
    }

    private CertificateEvent.Obtaining outcome(CertificateEvent event, String result) {
        orders(result).increment();
        var order = pending.remove(event.name());
        if (order != null) {
            var took = Duration.between(order.time(), event.time());
            if (!took.isNegative()) {
                duration(result).record(took);
            }
        }
        return order;
    }

    private void served(String name, Instant expiry) {
        notAfter.put(name, expiry);
        gauges.computeIfAbsent(name, n -> Gauge.builder(EXPIRY, () -> secondsLeft(n))
                .description("Time until the served certificate expires").baseUnit("seconds")
                .tag("certificate", n).strongReference(true).register(registry));
    }

    private double secondsLeft(String name) {
        var expiry = notAfter.get(name);
        return expiry == null ? Double.NaN : Duration.between(clock.instant(), expiry).toMillis() / 1000.0;
    }

    private Counter orders(String result) {
        return Counter.builder(ORDERS).description("Certificate orders by result").tag("result", result)
                .register(registry);
    }

    private Timer duration(String result) {
        return Timer.builder(ORDER_DURATION).description("Time from placing an order to its outcome")
                .tag("result", result).register(registry);
    }

    @Override
    public String toString() {
        return "CertificateMetrics[" + manager + "]";
    }
}
