package dev.certpilot.test.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import org.springframework.test.context.DynamicPropertyRegistry;

import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/**
 * Points certpilot's Spring Boot starter at a test {@link Pebble}: its directory and TLS root, the terms accepted,
 * HTTP-01 on the port Pebble validates, and a fresh storage directory, so that a Boot test gets a real certificate
 * with no hand-written arguments.
 *
 * <pre>{@code
 * @SpringBootTest(webEnvironment = RANDOM_PORT, properties = "certpilot.domains=app.example.test")
 * class MyAppTest {
 *     @RegisterExtension
 *     static final PebbleExtension PEBBLE = new PebbleExtension();
 *
 *     @DynamicPropertySource
 *     static void certpilot(DynamicPropertyRegistry registry) {
 *         PebbleProperties.register(registry, PEBBLE);
 *     }
 * }
 * }</pre>
 *
 * Needs {@code spring-test} (any Spring Boot test has it). Stateless.
 */
public final class PebbleProperties {

    private PebbleProperties() {
    }

    private static final List<String> NAMES = List.of("certpilot.ca", "certpilot.ca-trust",
            "certpilot.accept-terms", "certpilot.challenges", "certpilot.http-port", "certpilot.storage.type",
            "certpilot.storage.directory");

    /**
     * The {@code certpilot.*} properties for {@code pebble}, with certificates kept in {@code storage}, for a
     * property source. (Not for {@code SpringApplicationBuilder.properties(...)}: those are defaults, which
     * {@code application.properties} overrides; see {@link #arguments}.)
     *
     * @param pebble the running Pebble
     * @param storage the storage directory
     * @return the properties by name
     */
    public static Map<String, Object> of(Pebble pebble, Path storage) {
        var values = values(pebble, storage);
        var properties = new LinkedHashMap<String, Object>();
        for (int i = 0; i < NAMES.size(); i++) {
            properties.put(NAMES.get(i), values.get(i));
        }
        return properties;
    }

    /**
     * The properties of {@link #of} as command-line arguments ({@code --certpilot.ca=...}), which win over
     * {@code application.properties}, followed by {@code more}:
     * {@code SpringApplication.run(MyApp.class, PebbleProperties.arguments(pebble, dir, "--server.port=0"))}.
     *
     * @param pebble the running Pebble
     * @param storage the storage directory
     * @param more further arguments
     * @return the arguments
     */
    public static String[] arguments(Pebble pebble, Path storage, String... more) {
        return Stream.concat(of(pebble, storage).entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()),
                Stream.of(more)).toArray(String[]::new);
    }

    /**
     * Registers the properties of {@link #of} for the extension's Pebble, read when the test's context starts
     * (after Pebble has), with a new temporary storage directory.
     *
     * @param registry the test's registry
     * @param pebble the test class's extension
     */
    public static void register(DynamicPropertyRegistry registry, PebbleExtension pebble) {
        Objects.requireNonNull(pebble, "pebble");
        Path storage;
        try {
            storage = Files.createTempDirectory("certpilot-test-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a storage directory for the test", e);
        }
        for (int i = 0; i < NAMES.size(); i++) {
            var index = i;
            registry.add(NAMES.get(i), () -> values(pebble.pebble(), storage).get(index));
        }
    }

    private static List<Object> values(Pebble pebble, Path storage) {
        Objects.requireNonNull(pebble, "pebble");
        Objects.requireNonNull(storage, "storage");
        return List.of(pebble.directory().toString(), pebble.listenerCaFile().toString(), "true", "http-01",
                Integer.toString(pebble.httpPort()), "file", storage.toString());
    }
}
