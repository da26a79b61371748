package dev.certpilot.core.spi;

import dev.certpilot.core.Notice;

/**
 * Tells an operator about a {@link Notice}: by mail ({@code certpilot-mail}), a webhook
 * ({@code dev.certpilot.core.WebhookNotifier}), or anything else. The manager calls it on a thread of its own, one
 * notice at a time, never from a renewal or a handshake; a notifier that is slow only delays later notices. Its
 * failures are logged and counted, and the notice is not sent again: retrying, if it wants to, is the notifier's own
 * business, within a bounded time. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Notifier {

    /**
     * Sends {@code notice}.
     *
     * @param notice what to tell
     * @throws Exception if it could not be sent; logged and counted
     */
    void send(Notice notice) throws Exception;
}
