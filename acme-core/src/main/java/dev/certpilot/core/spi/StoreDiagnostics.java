package dev.certpilot.core.spi;

import java.util.List;
import java.util.Optional;

/**
 * An optional ability of a {@link CertificateStore}: telling, once at start, what is wrong with where it keeps things.
 * The manager refuses to start with a store that {@linkplain #unfit() cannot keep anything} (every start would order
 * again and spend the CA's limits), and logs its {@linkplain #warnings() warnings}. A store that cannot be reached at
 * all is not unfit: the manager starts and serves what it holds once it answers. The file store implements it.
 * Implementations are thread-safe and quick (a few calls to the file system or the database).
 */
public interface StoreDiagnostics {

    /**
     * Why nothing could be kept (a read-only file system, a read-only database replica), as a sentence naming the
     * place and the fix; empty when the store can keep what it is given.
     *
     * @return why nothing could be kept, or empty
     */
    Optional<String> unfit();

    /**
     * What is wrong but does not stop the store, each as a sentence naming the fix; empty when all is well.
     *
     * @return the warnings, possibly none
     */
    List<String> warnings();
}
