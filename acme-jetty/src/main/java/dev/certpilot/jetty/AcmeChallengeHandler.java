package dev.certpilot.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import dev.certpilot.core.Hsts;
import dev.certpilot.core.HttpsRedirect;
import dev.certpilot.core.InMemoryHttp01Responder;

/**
 * A Jetty core handler in front of the application: answers HTTP-01 challenges ({@code GET} and {@code HEAD
 * /.well-known/acme-challenge/{token}}, 400 for a malformed token or a disguised challenge path, 404 for an unknown
 * one, 405 for other methods), redirects other plain-HTTP requests to HTTPS when told the port (308, keeping
 * method, path and query), and adds the HSTS header to HTTPS responses. The servlet equivalent is
 * {@code AcmeChallengeFilter} in {@code acme-servlet}. Immutable and thread-safe once started.
 */
public final class AcmeChallengeHandler extends Handler.Wrapper {

    private final InMemoryHttp01Responder responder;
    private final IntSupplier httpsPort;
    private final String hsts;

    /**
     * @param responder the challenges to answer, or null to answer none
     * @param httpsPort the port to redirect plain HTTP to, or 0 for no redirect
     * @param hsts      the policy to send on HTTPS responses, or null for none
     * @param handler   the application
     */
    public AcmeChallengeHandler(InMemoryHttp01Responder responder, int httpsPort, Hsts hsts, Handler handler) {
        this(responder, checkPort(httpsPort), hsts, handler);
    }

    /** With the redirect port read per request: a connector's port that is known once it has started. */
    AcmeChallengeHandler(InMemoryHttp01Responder responder, IntSupplier httpsPort, Hsts hsts, Handler handler) {
        super(handler);
        this.responder = responder;
        this.httpsPort = httpsPort;
        this.hsts = hsts == null ? null : hsts.headerValue();
    }

    private static IntSupplier checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("httpsPort must be 0 (no redirect) or a port up to 65535, got " + port);
        }
        return () -> port;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        var path = request.getHttpURI().getPath();
        if (!request.isSecure() && (path == null || !path.startsWith("/"))) {
            // OPTIONS * (or another target that is no path) on the plain-HTTP port: nothing to redirect
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD, OPTIONS");
            if (HttpMethod.OPTIONS.is(request.getMethod())) {
                text(request, response, callback, HttpStatus.OK_200, "");
            } else {
                text(request, response, callback, HttpStatus.BAD_REQUEST_400, "The request target must be a path");
            }
            return true;
        }
        if (path != null && path.startsWith(InMemoryHttp01Responder.CHALLENGE_PATH) && responder != null) {
            answer(request, response, callback, path.substring(InMemoryHttp01Responder.CHALLENGE_PATH.length()));
            return true;
        }
        if (InMemoryHttp01Responder.isDisguisedChallengePath(path)) {
            text(request, response, callback, HttpStatus.BAD_REQUEST_400,
                    "ACME challenges are served at " + InMemoryHttp01Responder.CHALLENGE_PATH + "{token} exactly");
            return true;
        }
        var port = httpsPort.getAsInt();
        if (!request.isSecure() && port > 0) {
            redirect(request, response, callback, port);
            return true;
        }
        if (request.isSecure() && hsts != null) {
            response.getHeaders().put("Strict-Transport-Security", hsts);
        }
        return super.handle(request, response, callback);
    }

    private void answer(Request request, Response response, Callback callback, String token) {
        var method = request.getMethod();
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            text(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405,
                    "ACME challenges answer GET and HEAD only");
            return;
        }
        if (!InMemoryHttp01Responder.isWellFormedToken(token)) {
            text(request, response, callback, HttpStatus.BAD_REQUEST_400,
                    "An ACME challenge token is 1 to " + InMemoryHttp01Responder.MAX_TOKEN_LENGTH
                            + " base64url characters");
            return;
        }
        var keyAuthorization = responder.keyAuthorization(Request.getServerName(request), token);
        if (keyAuthorization.isEmpty()) {
            text(request, response, callback, HttpStatus.NOT_FOUND_404,
                    "No pending ACME challenge for this host and token");
            return;
        }
        var body = keyAuthorization.get().getBytes(StandardCharsets.US_ASCII);
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, HttpMethod.HEAD.is(request.getMethod()) ? null : ByteBuffer.wrap(body), callback);
    }

    /**
     * Answers with a short text of our own: Jetty's error page would echo the request URI, which for a request
     * without a Host header names this server's own address.
     */
    private static void text(Request request, Response response, Callback callback, int status, String message) {
        var body = message.isEmpty() ? new byte[0] : (message + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, HttpMethod.HEAD.is(request.getMethod()) ? null : ByteBuffer.wrap(body), callback);
    }

    private static void redirect(Request request, Response response, Callback callback, int httpsPort) {
        // only the host the client named: without a Host header Jetty falls back to this server's own address
        var host = request.getHeaders().contains(HttpHeader.HOST) ? Request.getServerName(request) : null;
        var location = HttpsRedirect.location(host, httpsPort,
                request.getHttpURI().getPath(), request.getHttpURI().getQuery());
        if (location.isEmpty()) {
            text(request, response, callback, HttpStatus.BAD_REQUEST_400, "A Host header naming this site is required");
            return;
        }
        Response.sendRedirect(request, response, callback, HttpStatus.PERMANENT_REDIRECT_308, location.get(),
                true);
    }
}
