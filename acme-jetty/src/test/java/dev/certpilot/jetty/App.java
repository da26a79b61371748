package dev.certpilot.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The application under test: answers {@code app <path>} as text, and on {@code /served} an HTML page naming the
 * HTTP version and the serial of the certificate this very connection was presented.
 */
final class App extends Handler.Abstract {

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        var path = request.getHttpURI().getPath();
        String body;
        String type;
        if (path.equals("/served")) {
            var tls = (EndPoint.SslSessionData) request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
            var leaf = (X509Certificate) tls.sslSession().getLocalCertificates()[0];
            body = "<!doctype html><html><body><p id=\"served\">" + request.getConnectionMetaData().getHttpVersion()
                    + " serial " + leaf.getSerialNumber().toString(16) + "</p></body></html>";
            type = "text/html; charset=utf-8";
        } else {
            body = "app " + path;
            type = "text/plain";
        }
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }
}
