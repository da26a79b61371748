package dev.certpilot.jetty;

import java.net.InetSocketAddress;

import javax.net.ssl.SSLEngine;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.SslConnectionFactory;

/**
 * Jetty's TLS connection factory, telling a {@link ManagedSslContextFactory} the local address of each connection
 * while it lives, so that a client connecting by IP address (which sends no SNI) gets the certificate listing that
 * address. Thread-safe.
 */
final class AddressedSslConnectionFactory extends SslConnectionFactory {

    private final ManagedSslContextFactory ssl;

    AddressedSslConnectionFactory(ManagedSslContextFactory ssl, String nextProtocol) {
        super(ssl, nextProtocol);
        this.ssl = ssl;
    }

    @Override
    protected SslConnection newSslConnection(Connector connector, EndPoint endPoint, SSLEngine engine) {
        var connection = super.newSslConnection(connector, endPoint, engine);
        if (endPoint.getLocalSocketAddress() instanceof InetSocketAddress local) {
            ssl.localAddresses.put(engine, local.getAddress());
            connection.addEventListener(new Connection.Listener() {
                @Override
                public void onClosed(Connection closed) {
                    ssl.localAddresses.remove(engine);
                }
            });
        }
        return connection;
    }
}
