package dev.certpilot.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real TLS connection to a local server, for tests and demos that check which certificate is served: SNI as
 * given (names need no DNS: it always connects to loopback), the chain verified against a given root and the
 * name against the certificate, and minimal HTTP/1.1 keep-alive GETs over the same connection. Not thread-safe:
 * one connection per thread.
 *
 * <pre>{@code
 * try (var client = TlsClient.connect(TlsClient.trusting(pebble.root()), port, "shop.test")) {
 *     client.leaf().getSerialNumber();
 *     client.get("shop.test", "/");
 * }
 * }</pre>
 */
public final class TlsClient implements AutoCloseable {

    private final SSLSocket socket;

    private TlsClient(SSLSocket socket) {
        this.socket = socket;
    }

    /**
     * A client context trusting only {@code root}.
     *
     * @param root the only root trusted
     * @return the context
     * @throws GeneralSecurityException if the JDK refuses the root
     * @throws IOException if the key store cannot be made
     */
    public static SSLContext trusting(X509Certificate root) throws GeneralSecurityException, IOException {
        var trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", root);
        var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        var context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    /**
     * Connects to 127.0.0.1:{@code port} and completes a handshake, sending {@code sni} unless null.
     *
     * @param context the client context
     * @param port the port
     * @param sni the SNI name, or null
     * @return the connection
     * @throws IOException if the connection or handshake fails
     */
    public static TlsClient connect(SSLContext context, int port, String sni) throws IOException {
        return connect(context, port, sni, socket -> { });
    }

    /**
     * As {@link #connect(SSLContext, int, String)}, with {@code settings} applied to the socket first.
     *
     * @param context the client context
     * @param port the port
     * @param sni the SNI name, or null
     * @param settings applied to the socket first
     * @return the connection
     * @throws IOException if the connection or handshake fails
     */
    public static TlsClient connect(SSLContext context, int port, String sni, Consumer<SSLSocket> settings)
            throws IOException {
        var plain = new Socket(InetAddress.getLoopbackAddress(), port);
        var socket = (SSLSocket) context.getSocketFactory().createSocket(plain, sni == null ? "127.0.0.1" : sni,
                port, true);
        socket.setSoTimeout(10_000);
        var parameters = socket.getSSLParameters();
        parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        parameters.setEndpointIdentificationAlgorithm(sni == null ? null : "HTTPS");
        socket.setSSLParameters(parameters);
        settings.accept(socket);
        try {
            socket.startHandshake();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return new TlsClient(socket);
    }

    /**
     * The connected socket.
     *
     * @return the socket
     */
    public SSLSocket socket() {
        return socket;
    }

    /**
     * The certificate the server presented.
     *
     * @return the leaf
     * @throws IOException if the session has none
     */
    public X509Certificate leaf() throws IOException {
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }

    /**
     * Sends a keep-alive GET and returns the body of a 200 answer.
     *
     * @param host the {@code Host} header
     * @param path the request's path
     * @return the body
     * @throws IOException for any other answer, naming it
     */
    public String get(String host, String path) throws IOException {
        var out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        var in = socket.getInputStream();
        var head = readHead(in);
        if (!head.startsWith("HTTP/1.1 200")) {
            throw new IOException("Unexpected answer: " + head);
        }
        var length = head.lines().filter(l -> l.regionMatches(true, 0, "Content-Length:", 0, 15))
                .map(l -> Integer.parseInt(l.substring(15).trim())).findFirst()
                .orElseThrow(() -> new IOException("No Content-Length in " + head));
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static String readHead(InputStream in) throws IOException {
        var head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("Connection closed after " + head);
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
