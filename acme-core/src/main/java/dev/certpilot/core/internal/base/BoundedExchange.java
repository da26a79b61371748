package dev.certpilot.core.internal.base;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange bounded as a whole: the JDK client's own timeout covers the wait for the headers only, so a peer
 * that trickles them, or never answers, would hold the caller longer. Stateless.
 */
public final class BoundedExchange {

    private BoundedExchange() {
    }

    /**
     * Sends {@code request} and waits at most {@code timeout} for the response that {@code body} makes; on time out
     * the exchange is cancelled.
     *
     * @param <T>     the body's type
     * @param client  the client
     * @param request the request
     * @param body    reads the body (give one that does not wait for it, to bound only the status and headers)
     * @param timeout the longest wait
     * @return the response
     * @throws TimeoutException     if {@code timeout} passed (or the request's own timeout, if it has one)
     * @throws IOException          if the exchange failed, with the first message along its causes
     * @throws InterruptedException if the calling thread was interrupted
     */
    public static <T> HttpResponse<T> send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> body,
                                           Duration timeout) throws TimeoutException, IOException,
            InterruptedException {
        var exchange = client.sendAsync(request, body);
        try {
            return exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            var cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpTimeoutException) {
                // the client's own timeout of the request, which it sets as well: the same deadline
                var timedOut = new TimeoutException("no answer within " + timeout);
                timedOut.initCause(cause);
                throw timedOut;
            }
            throw new IOException(describe(cause), cause);
        }
    }

    private static String describe(Throwable failure) {
        for (var cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException) {
                return "connection refused (nothing listens there, or a firewall refuses)";
            }
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                return cause.getMessage();
            }
        }
        return failure.getClass().getSimpleName();
    }
}
