package dev.certpilot.jetty;

import java.nio.ByteBuffer;
import java.util.Objects;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import dev.certpilot.core.Hsts;
import dev.certpilot.core.HttpFrontDoor;
import dev.certpilot.core.InMemoryHttp01Responder;

/**
 * A Jetty core handler in front of the application that does what an {@link HttpFrontDoor} decides: answers
 * HTTP-01 challenges, refuses malformed ones, redirects plain HTTP to HTTPS and adds HSTS to HTTPS responses.
 * The servlet equivalent, {@code AcmeChallengeFilter} in {@code certpilot-servlet}, translates the same decisions, so
 * both answer every request alike. Immutable and thread-safe once started.
 */
public final class AcmeChallengeHandler extends Handler.Wrapper {

    private final HttpFrontDoor frontDoor;

    /**
     * A handler doing what {@code frontDoor} decides in front of {@code handler}.
     *
     * @param frontDoor what decides each request
     * @param handler the application, for requests the front door passes on
     */
    public AcmeChallengeHandler(HttpFrontDoor frontDoor, Handler handler) {
        super(handler);
        this.frontDoor = Objects.requireNonNull(frontDoor, "frontDoor");
    }

    /**
     * @param responder the challenges to answer, or null to answer none
     * @param httpsPort the port to redirect plain HTTP to, or 0 for no redirect
     * @param hsts      the policy to send on HTTPS responses, or null for none
     * @param handler   the application
     */
    public AcmeChallengeHandler(InMemoryHttp01Responder responder, int httpsPort, Hsts hsts, Handler handler) {
        this(frontDoor(responder, httpsPort, hsts), handler);
    }

    private static HttpFrontDoor frontDoor(InMemoryHttp01Responder responder, int httpsPort, Hsts hsts) {
        if (httpsPort < 0 || httpsPort > 65535) {
            throw new IllegalArgumentException("httpsPort must be 0 (no redirect) or a port up to 65535, got "
                    + httpsPort);
        }
        var builder = HttpFrontDoor.builder(responder);
        if (httpsPort > 0) {
            builder.redirectToHttps(httpsPort);
        }
        if (hsts != null) {
            builder.hsts(hsts);
        }
        return builder.build();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        var uri = request.getHttpURI();
        var headers = request.getHeaders();
        var decision = frontDoor.decide(new HttpFrontDoor.Request(request.getMethod(),
                headers.get(HttpHeader.HOST), uri.getPath() == null ? "*" : uri.getPath(), uri.getQuery(),
                request.isSecure(), headers.get(HttpHeader.FORWARDED), headers.get(HttpHeader.X_FORWARDED_PROTO)));
        for (var header : decision.headers()) {
            response.getHeaders().put(header.name(), header.value());
        }
        if (decision.pass()) {
            return super.handle(request, response, callback);
        }
        var body = decision.bodyBytes();
        response.setStatus(decision.status());
        if (body.length > 0) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, HttpMethod.HEAD.is(request.getMethod()) || body.length == 0 ? null
                : ByteBuffer.wrap(body), callback);
        return true;
    }
}
