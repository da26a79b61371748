package dev.certpilot.examples.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.function.BooleanSupplier;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.SerialNumbers;

/**
 * The example's page: the certificate served for the requested host, and when certpilot next looks at it; and
 * {@code /ready}, for a load balancer's health check, 200 once the node serves (its manager started), else 503. An
 * HTTP check finds a node that is frozen or overloaded, which still accepts TCP connections.
 */
final class StatusPage extends Handler.Abstract {

    private final CertificateManager manager;
    private final BooleanSupplier ready;

    StatusPage(CertificateManager manager, BooleanSupplier ready) {
        this.manager = manager;
        this.ready = ready;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (request.getHttpURI().getPath().equals("/ready")) {
            var up = ready.getAsBoolean();
            var body = (up ? "ready\n" : "starting or stopping\n").getBytes(StandardCharsets.UTF_8);
            response.setStatus(up ? 200 : 503);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
            return true;
        }
        var host = Request.getServerName(request);
        var html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>certpilot</title>"
                + "</head><body><h1>Served over HTTPS by certpilot</h1>");
        var served = manager.certificateForHost(host);
        if (served.isEmpty()) {
            html.append("<p>No certificate covers ").append(escape(host)).append(".</p>");
        } else {
            var bundle = served.get();
            var leaf = bundle.leaf();
            html.append("<table>")
                    .append(row("Host", host))
                    .append(row("Subject", leaf.getSubjectX500Principal().getName()))
                    .append(row("Issuer", leaf.getIssuerX500Principal().getName()))
                    .append(row("Serial", SerialNumbers.hex(bundle.serialNumber())))
                    .append(row("Expires", bundle.notAfter().toString()));
            manager.status().stream().filter(s -> s.name().equals(bundle.name())).findFirst().ifPresent(status ->
                    html.append(row("Next check", String.valueOf(status.nextCheck()))));
            html.append("</table>");
        }
        var tls = (EndPoint.SslSessionData) request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
        if (tls != null && tls.sslSession().getLocalCertificates() != null) {
            var leaf = (X509Certificate) tls.sslSession().getLocalCertificates()[0];
            html.append("<p id=\"connection\">This connection: ").append(request.getConnectionMetaData()
                    .getHttpVersion()).append(" over ").append(tls.sslSession().getProtocol())
                    .append(", certificate serial ").append(SerialNumbers.hex(leaf.getSerialNumber())).append("</p>");
        }
        html.append("</body></html>\n");
        var body = html.toString().getBytes(StandardCharsets.UTF_8);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    private static String row(String label, String value) {
        return "<tr><th>" + label + "</th><td>" + escape(value) + "</td></tr>";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
