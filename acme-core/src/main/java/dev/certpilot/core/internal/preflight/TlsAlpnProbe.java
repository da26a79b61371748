package dev.certpilot.core.internal.preflight;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.KeyType;
import dev.certpilot.core.Preflight;
import dev.certpilot.core.PreflightReport.Check;
import dev.certpilot.core.PreflightReport.Finding;
import dev.certpilot.core.PreflightReport.Outcome;
import dev.certpilot.core.internal.base.IpAddresses;
import dev.certpilot.core.internal.tls.SelfSigned;
import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * The TLS-ALPN-01 preflight of one domain: deploys a probe validation certificate through the responder, then makes
 * the CA's handshake to each address (SNI the domain, ALPN {@code acme-tls/1} only, on the TLS port) and checks that
 * this process's probe certificate comes back. A proxy or CDN that terminates TLS in front, or another server on the
 * port, shows up as another protocol or another certificate. Stateless; thread-safe.
 */
final class TlsAlpnProbe {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.preflight");

    private TlsAlpnProbe() {
    }

    static List<Finding> run(Preflight settings, TlsAlpn01Responder responder, String domain,
                             List<InetAddress> addresses) {
        var serverName = IpAddresses.looksLikeIp(domain) ? IpAddresses.reverseName(domain) : domain;
        if (responder.validationCertificate(serverName).isPresent()) {
            return List.of(new Finding(domain, Check.TLS_ALPN_01, Outcome.SKIPPED, "a TLS-ALPN-01 validation of "
                    + domain + " is in progress; its probe would replace it", ""));
        }
        var random = new byte[32];
        new SecureRandom().nextBytes(random);
        var keyAuthorization = "certpilot-preflight." + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        var keys = KeyType.EC_P256.generate();
        X509Certificate probe;
        try {
            probe = SelfSigned.tlsAlpn01(domain, keys, MessageDigest.getInstance("SHA-256")
                    .digest(keyAuthorization.getBytes(StandardCharsets.US_ASCII)), Instant.now());
            responder.deploy(serverName, probe, keys.getPrivate(), keyAuthorization);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return List.of(new Finding(domain, Check.TLS_ALPN_01, Outcome.FAILED, "the probe could not be deployed: "
                    + e, "Check the TLS-ALPN-01 responder"));
        }
        try {
            var findings = new ArrayList<Finding>();
            for (var address : addresses) {
                findings.add(handshake(settings, domain, serverName, address, probe));
            }
            return findings;
        } finally {
            try {
                responder.remove(serverName);
            } catch (IOException | RuntimeException e) {
                LOG.debug("Removing the preflight's TLS-ALPN-01 probe of {} failed: {}", domain, e.toString());
            }
        }
    }

    private static Finding handshake(Preflight settings, String domain, String serverName, InetAddress address,
                                     X509Certificate probe) {
        var aaaa = address.getAddress().length == 16;
        var where = (aaaa ? "AAAA " : "A ") + IpAddresses.text(address);
        var port = settings.tlsPort();
        var shown = new AtomicReference<X509Certificate>();
        var timeout = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
        try {
            var context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new Recording(shown)}, null);
            try (var socket = (SSLSocket) context.getSocketFactory().createSocket()) {
                socket.connect(new InetSocketAddress(address, port), timeout);
                socket.setSoTimeout(timeout);
                var parameters = socket.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName(serverName)));
                parameters.setApplicationProtocols(new String[] {TlsAlpn01Responder.ACME_TLS_PROTOCOL});
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                var protocol = socket.getApplicationProtocol();
                if (!TlsAlpn01Responder.ACME_TLS_PROTOCOL.equals(protocol)) {
                    return inFront(domain, where + " port " + port + " completed the handshake without acme-tls/1 ("
                            + (protocol == null || protocol.isEmpty() ? "no protocol" : protocol) + "), showing "
                            + subject(shown.get()), port);
                }
                if (!probe.equals(shown.get())) {
                    return new Finding(domain, Check.TLS_ALPN_01, Outcome.FAILED, where + " port " + port
                            + " answered acme-tls/1 with another certificate (" + subject(shown.get()) + ")",
                            "Another server answers acme-tls/1 at " + address.getHostAddress() + " port " + port
                                    + ": route port " + port + " for " + domain + " to this process");
                }
                return new Finding(domain, Check.TLS_ALPN_01, Outcome.PASSED, where + " answers the acme-tls/1 probe",
                        "");
            }
        } catch (SSLException e) {
            return inFront(domain, where + " port " + port + " refused the acme-tls/1 handshake: " + e.getMessage(),
                    port);
        } catch (IOException e) {
            return new Finding(domain, Check.TLS_ALPN_01, Outcome.FAILED, where + " does not answer on port " + port
                    + ": " + e.getMessage(), aaaa ? "Remove the AAAA record of " + domain + ", or make this server "
                    + "(or the proxy in front) answer on IPv6 too: the CA tries IPv6 first" : "Open port " + port
                    + " to this server at " + address.getHostAddress() + " (firewall, port forwarding, the server "
                    + "listening on it)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JDK offers no TLS", e);
        }
    }

    private static Finding inFront(String domain, String evidence, int port) {
        return new Finding(domain, Check.TLS_ALPN_01, Outcome.FAILED, evidence, "Something in front terminates TLS "
                + "on port " + port + " (a proxy, a CDN, a load balancer) and does not pass acme-tls/1 through: pass "
                + "TLS through to this process (TCP mode, SNI routing), or validate by HTTP-01 or DNS-01");
    }

    private static String subject(X509Certificate certificate) {
        return certificate == null ? "no certificate" : certificate.getSubjectX500Principal().getName();
    }

    /** Accepts any server certificate and records it: the probe checks which certificate, not whether trusted. */
    private static final class Recording extends X509ExtendedTrustManager {

        private final AtomicReference<X509Certificate> shown;

        Recording(AtomicReference<X509Certificate> shown) {
            this.shown = shown;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            shown.set(chain[0]);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            shown.set(chain[0]);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            shown.set(chain[0]);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException("a client's trust manager");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("a client's trust manager");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("a client's trust manager");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
