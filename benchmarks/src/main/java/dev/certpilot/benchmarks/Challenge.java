package dev.certpilot.benchmarks;

/** The challenge type a contender answers in a benchmark against Caddy: the only one either side enables. */
enum Challenge {
    HTTP_01("HTTP-01", "http-01", "disable_tlsalpn_challenge"),
    TLS_ALPN_01("TLS-ALPN-01", "tls-alpn-01", "disable_http_challenge");

    /** As tables print it. */
    final String label;
    /** As the example's {@code --challenge} takes it; also fit for a DNS label. */
    final String flag;
    /** The Caddyfile issuer option that leaves Caddy only this challenge. */
    final String caddyOption;

    Challenge(String label, String flag, String caddyOption) {
        this.label = label;
        this.flag = flag;
        this.caddyOption = caddyOption;
    }
}
