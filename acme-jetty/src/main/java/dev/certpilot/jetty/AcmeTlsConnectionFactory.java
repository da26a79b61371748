package dev.certpilot.jetty;

import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * The {@code acme-tls/1} protocol for Jetty's ALPN: put it among an HTTPS connector's connection factories and
 * in its {@code ALPNServerConnectionFactory} protocols, so that a CA's TLS-ALPN-01 handshake negotiates it.
 * The validation certificate is presented during the handshake by the manager's key manager; afterwards this
 * factory's connection closes at once, as RFC 8737 requires. Thread-safe.
 */
public final class AcmeTlsConnectionFactory extends AbstractConnectionFactory {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.challenge");

    /** A factory for {@value TlsAlpn01Responder#ACME_TLS_PROTOCOL}. */
    public AcmeTlsConnectionFactory() {
        super(TlsAlpn01Responder.ACME_TLS_PROTOCOL);
    }

    @Override
    public org.eclipse.jetty.io.Connection newConnection(Connector connector, EndPoint endPoint) {
        return configure(new Closing(endPoint, connector), connector, endPoint);
    }

    /** Closes the connection once the handshake that presented the validation certificate is done. */
    private static final class Closing extends AbstractConnection {

        Closing(EndPoint endPoint, Connector connector) {
            super(endPoint, connector.getExecutor());
        }

        @Override
        public void onOpen() {
            super.onOpen();
            // not a warning: scanners and curious clients offer acme-tls/1 over TLS 1.2 too, with nothing pending.
            // A real validation over TLS 1.2 fails at the CA (the JDK picks the certificate before ALPN below
            // TLS 1.3), and that failure is reported with the order.
            if (LOG.isDebugEnabled() && getEndPoint() instanceof SslConnection.SslEndPoint ssl) {
                LOG.debug("Closing acme-tls/1 connection from {} ({})", getEndPoint().getRemoteSocketAddress(),
                        ssl.getSslConnection().getSSLEngine().getSession().getProtocol());
            }
            getEndPoint().close();
        }

        @Override
        public void onFillable() {
            getEndPoint().close();
        }
    }
}
