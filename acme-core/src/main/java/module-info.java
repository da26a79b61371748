/**
 * certpilot's core. The API is {@code dev.certpilot.core} (the {@code CertificateManager}, its builder and value
 * types) and the service provider interfaces are {@code dev.certpilot.core.spi}; the engine, under
 * {@code dev.certpilot.core.internal}, is not exported: {@code .acme} (the ACME plumbing over acme4j),
 * {@code .renewal} (scheduling, orders, on-demand issuance), {@code .tls} (what each handshake is served) and
 * {@code .store} (the file store's parts).
 */
module dev.certpilot.core {
    requires java.net.http;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires org.dnsjava;
    requires org.shredzone.acme4j;
    requires org.slf4j;

    exports dev.certpilot.core;
    exports dev.certpilot.core.spi;

    provides org.shredzone.acme4j.provider.ChallengeProvider
            with dev.certpilot.core.internal.acme.DnsPersist01ChallengeProvider;
}
