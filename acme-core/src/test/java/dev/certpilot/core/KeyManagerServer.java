package dev.certpilot.core;

import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * A TLS server socket on loopback whose handshakes choose their certificate through a manager's key manager, and a
 * client that reports which certificate it was shown (trusting any: the tests check which, not whether trusted).
 */
final class KeyManagerServer implements AutoCloseable {

    private final SSLServerSocket server;
    private final ExecutorService acceptors = Executors.newFixedThreadPool(8);

    KeyManagerServer(CertificateManager manager) throws Exception {
        var context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {manager.keyManager()}, null, null);
        server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 100,
                InetAddress.getByName("127.0.0.1"));
        for (int i = 0; i < 8; i++) {
            acceptors.submit(() -> {
                while (!server.isClosed()) {
                    try (var socket = (SSLSocket) server.accept()) {
                        socket.startHandshake();
                    } catch (Exception ignored) {
                        // next connection
                    }
                }
                return null;
            });
        }
    }

    /** The leaf presented for {@code sni}, or empty if the handshake failed. */
    Optional<X509Certificate> handshake(String sni) throws Exception {
        var client = SSLContext.getInstance("TLS");
        client.init(null, new TrustManager[] {new TrustAll()}, null);
        try (var socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", server.getLocalPort())) {
            socket.setSoTimeout(30_000);
            var parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sni)));
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return Optional.of((X509Certificate) socket.getSession().getPeerCertificates()[0]);
        } catch (SSLException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        acceptors.shutdownNow();
    }
}
