package dev.certpilot.core;

import java.util.List;

/**
 * The TLS settings every server certpilot sets up uses, so that issuance and TLS hardening are configured in one
 * place: TLS 1.3 and 1.2 only, and forward-secret AEAD cipher suites only (ECDHE with AES-GCM or
 * ChaCha20-Poly1305), in the server's order of preference, which the server should enforce. Every client of the
 * last decade supports them; scanners grade them A (A+ with HSTS). Immutable.
 */
public final class TlsDefaults {

    /** The protocols, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** The cipher suites in the server's order of preference (TLS 1.3's first, then TLS 1.2's ECDHE AEAD ones). */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsDefaults() {
    }
}
