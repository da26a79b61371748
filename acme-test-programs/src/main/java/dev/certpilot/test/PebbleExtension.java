package dev.certpilot.test;

import java.time.Duration;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs one {@link Pebble} for a test class: started before the first test, stopped after
 * the last one whatever the outcome. Tests receive it as a {@code Pebble} parameter or through {@link #pebble()}.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b.nonceRejectPercent(0));
 *
 * @Test
 * void issues(Pebble pebble) { ... pebble.directory() ... }
 * }</pre>
 *
 * <p>Register it on a {@code static} field, or with {@code @ExtendWith(PebbleExtension.class)} for the
 * defaults. When Pebble is not installed the tests fail with the install command; they are never skipped.
 *
 * <p>Thread-safe: the running Pebble is published before any test runs.
 */
public final class PebbleExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private final UnaryOperator<Pebble.Builder> settings;
    private volatile Pebble pebble;

    /** An extension with Pebble's default settings. */
    public PebbleExtension() {
        this(UnaryOperator.identity());
    }

    private PebbleExtension(UnaryOperator<Pebble.Builder> settings) {
        this.settings = settings;
    }

    /**
     * An extension whose Pebble is configured by {@code settings}, e.g. {@code b -> b.externalAccountKey(...)}.
     *
     * @param settings configures Pebble's builder
     * @return the extension
     */
    public static PebbleExtension withSettings(UnaryOperator<Pebble.Builder> settings) {
        return new PebbleExtension(settings);
    }

    /**
     * An extension whose Pebble issues certificates valid for {@code validity}.
     *
     * @param validity the validity, positive
     * @return the extension
     */
    public static PebbleExtension withCertificateValidity(Duration validity) {
        return withSettings(b -> b.certificateValidity(validity));
    }

    /**
     * The running Pebble.
     *
     * @return the running Pebble
     * @throws IllegalStateException outside the test class's lifetime
     */
    public Pebble pebble() {
        var running = pebble;
        if (running == null) {
            throw new IllegalStateException("Pebble is not running: register PebbleExtension on a static field "
                    + "and use it from tests, @BeforeAll or @BeforeEach methods");
        }
        return running;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        pebble = settings.apply(Pebble.builder()).start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        var running = pebble;
        pebble = null;
        if (running != null) {
            running.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Pebble.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return pebble();
    }
}
