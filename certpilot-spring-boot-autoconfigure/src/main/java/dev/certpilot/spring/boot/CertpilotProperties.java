package dev.certpilot.spring.boot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

import dev.certpilot.core.CertificateManagerBuilder;
import dev.certpilot.core.KeyType;

/**
 * The {@code certpilot.*} settings: which names to serve, from which CA, where to keep certificates, and how the
 * web server answers plain HTTP. Bound by Spring Boot from {@code application.properties}, YAML or the environment
 * ({@code CERTPILOT_DOMAINS}, ...); checked when the manager is made, each fault named with its property. Not
 * thread-safe: read once at start-up.
 */
@ConfigurationProperties("certpilot")
public class CertpilotProperties {

    /** Whether certpilot obtains and serves certificates. */
    private boolean enabled = true;

    /**
     * The ACME CA: lets-encrypt, lets-encrypt-staging (certificates no browser trusts, generous rate limits: try
     * here first), zerossl (needs certpilot.eab.*), or the https URL of any ACME directory.
     */
    private String ca = "lets-encrypt-staging";

    /**
     * A second CA, tried after three failures in a row with certpilot.ca (an outage, a rate limit): lets-encrypt,
     * zerossl (needs certpilot.fallback-eab.*), or the https URL of an ACME directory. Default: none.
     */
    private String fallbackCa;

    /** External Account Binding credentials of certpilot.fallback-ca, for CAs that require them (ZeroSSL). */
    @NestedConfigurationProperty
    private final EabProperties fallbackEab = new EabProperties();

    /**
     * A second CA, tried after three failures in a row with certpilot.ca.
     *
     * @return the current value
     */
    public String getFallbackCa() {
        return fallbackCa;
    }

    /**
     * A second CA, tried after three failures in a row with certpilot.ca.
     *
     * @param fallbackCa the new value
     */
    public void setFallbackCa(String fallbackCa) {
        this.fallbackCa = fallbackCa;
    }

    /**
     * External Account Binding credentials of certpilot.fallback-ca.
     *
     * @return the credentials
     */
    public EabProperties getFallbackEab() {
        return fallbackEab;
    }

    /**
     * A PEM file with the certificates that anchor trust in the CA's own HTTPS endpoint, for private and test CAs
     * such as Pebble. Default: the JDK's trust store.
     */
    private Path caTrust;

    /** External Account Binding credentials, for CAs that require them (ZeroSSL, many private CAs). */
    @NestedConfigurationProperty
    private final EabProperties eab = new EabProperties();

    /**
     * The certificate profile to order, such as Let's Encrypt's tlsserver or shortlived; checked against those the
     * CA advertises. Default: the CA's own default.
     */
    private String profile;

    /**
     * The common name of the root whose chain to serve, such as ISRG Root X2, when the CA offers it as its default or
     * an alternate chain. Default: the CA's default chain.
     */
    private String preferredChain;

    /** Contact address registered with the CA account, for its expiry and policy mail. */
    private String email;

    /** Accepts the CA's terms of service, which every public CA requires: read them, then set true. */
    private boolean acceptTerms;

    /** The names of one certificate, named after the first, e.g. example.com,www.example.com. */
    private List<String> domains = new ArrayList<>();

    /** Certificates, each with a name and its domains; beside or instead of certpilot.domains. */
    private List<CertificateProperties> certificates = new ArrayList<>();

    /** The certificate served to clients that send no name (SNI) or an unknown one. Default: the first. */
    private String defaultCertificate;

    /**
     * Challenge types the CA may validate with: http-01 (on certpilot.http-port) and, on Jetty, tls-alpn-01 (on the
     * HTTPS port). Default: http-01, plus tls-alpn-01 on Jetty.
     */
    private List<Challenge> challenges = new ArrayList<>();

    /** Where certificates and the account key are kept. */
    @NestedConfigurationProperty
    private final StorageProperties storage = new StorageProperties();

    /** The type of the certificates' keys. */
    private KeyType keyType = CertificateManagerBuilder.DEFAULT_KEY_TYPE;

    /** When to renew, and how to retry. */
    @NestedConfigurationProperty
    private final RenewalProperties renewal = new RenewalProperties();

    /**
     * The plain-HTTP port, added beside the HTTPS one (server.port): it answers HTTP-01 challenges and redirects
     * everything else to HTTPS. The CA connects to port 80: forward it here if this is another.
     */
    private int httpPort = 80;

    /**
     * The port that plain-HTTP requests are redirected to, when clients reach HTTPS on another port than
     * server.port (behind port forwarding). Default: server.port.
     */
    private Integer redirectPort;

    /** Strict-Transport-Security sent on HTTPS responses. */
    @NestedConfigurationProperty
    private final HstsProperties hsts = new HstsProperties();

    /** The name of the SSL bundle holding the served certificate, which server.ssl.bundle is set to. */
    private String sslBundle = "certpilot";

    /** Actuator health settings. */
    @NestedConfigurationProperty
    private final HealthProperties health = new HealthProperties();

    /** Who is told when renewal fails, a certificate expires or is revoked, and when it is over. */
    @NestedConfigurationProperty
    private final NotifyProperties notify = new NotifyProperties();

    /** What is checked before the first order for a name (DNS, CAA, an HTTP-01 probe of each address). */
    @NestedConfigurationProperty
    private final PreflightProperties preflight = new PreflightProperties();

    /**
     * Whether certpilot obtains and serves certificates.
     *
     * @return the current value
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Whether certpilot obtains and serves certificates.
     *
     * @param enabled the new value
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * The ACME CA.
     *
     * @return the current value
     */
    public String getCa() {
        return ca;
    }

    /**
     * The ACME CA.
     *
     * @param ca the new value
     */
    public void setCa(String ca) {
        this.ca = ca;
    }

    /**
     * A PEM file with the certificates that anchor trust in the CA's own HTTPS endpoint, for private and test CAs such
     * as Pebble.
     *
     * @return the current value
     */
    public Path getCaTrust() {
        return caTrust;
    }

    /**
     * A PEM file with the certificates that anchor trust in the CA's own HTTPS endpoint, for private and test CAs such
     * as Pebble.
     *
     * @param caTrust the new value
     */
    public void setCaTrust(Path caTrust) {
        this.caTrust = caTrust;
    }

    /**
     * External Account Binding credentials, for CAs that require them (ZeroSSL, many private CAs).
     *
     * @return the current value
     */
    public EabProperties getEab() {
        return eab;
    }

    /**
     * The certificate profile to order, such as Let's Encrypt's tlsserver or shortlived; checked against those the CA
     * advertises.
     *
     * @return the current value
     */
    public String getProfile() {
        return profile;
    }

    /**
     * The certificate profile to order, such as Let's Encrypt's tlsserver or shortlived; checked against those the CA
     * advertises.
     *
     * @param profile the new value
     */
    public void setProfile(String profile) {
        this.profile = profile;
    }

    /**
     * The common name of the root whose chain to serve, such as ISRG Root X2, when the CA offers it as its default or
     * an alternate chain.
     *
     * @return the current value
     */
    public String getPreferredChain() {
        return preferredChain;
    }

    /**
     * The common name of the root whose chain to serve, such as ISRG Root X2, when the CA offers it as its default or
     * an alternate chain.
     *
     * @param preferredChain the new value
     */
    public void setPreferredChain(String preferredChain) {
        this.preferredChain = preferredChain;
    }

    /**
     * Contact address registered with the CA account, for its expiry and policy mail.
     *
     * @return the current value
     */
    public String getEmail() {
        return email;
    }

    /**
     * Contact address registered with the CA account, for its expiry and policy mail.
     *
     * @param email the new value
     */
    public void setEmail(String email) {
        this.email = email;
    }

    /**
     * Accepts the CA's terms of service, which every public CA requires.
     *
     * @return the current value
     */
    public boolean isAcceptTerms() {
        return acceptTerms;
    }

    /**
     * Accepts the CA's terms of service, which every public CA requires.
     *
     * @param acceptTerms the new value
     */
    public void setAcceptTerms(boolean acceptTerms) {
        this.acceptTerms = acceptTerms;
    }

    /**
     * The names of one certificate, named after the first, e.g.
     *
     * @return the current value
     */
    public List<String> getDomains() {
        return domains;
    }

    /**
     * The names of one certificate, named after the first, e.g.
     *
     * @param domains the new value
     */
    public void setDomains(List<String> domains) {
        this.domains = domains;
    }

    /**
     * Certificates, each with a name and its domains; beside or instead of certpilot.domains.
     *
     * @return the current value
     */
    public List<CertificateProperties> getCertificates() {
        return certificates;
    }

    /**
     * Certificates, each with a name and its domains; beside or instead of certpilot.domains.
     *
     * @param certificates the new value
     */
    public void setCertificates(List<CertificateProperties> certificates) {
        this.certificates = certificates;
    }

    /**
     * The certificate served to clients that send no name (SNI) or an unknown one.
     *
     * @return the current value
     */
    public String getDefaultCertificate() {
        return defaultCertificate;
    }

    /**
     * The certificate served to clients that send no name (SNI) or an unknown one.
     *
     * @param defaultCertificate the new value
     */
    public void setDefaultCertificate(String defaultCertificate) {
        this.defaultCertificate = defaultCertificate;
    }

    /**
     * Challenge types the CA may validate with.
     *
     * @return the current value
     */
    public List<Challenge> getChallenges() {
        return challenges;
    }

    /**
     * Challenge types the CA may validate with.
     *
     * @param challenges the new value
     */
    public void setChallenges(List<Challenge> challenges) {
        this.challenges = challenges;
    }

    /**
     * Where certificates and the account key are kept.
     *
     * @return the current value
     */
    public StorageProperties getStorage() {
        return storage;
    }

    /**
     * The type of the certificates' keys.
     *
     * @return the current value
     */
    public KeyType getKeyType() {
        return keyType;
    }

    /**
     * The type of the certificates' keys.
     *
     * @param keyType the new value
     */
    public void setKeyType(KeyType keyType) {
        this.keyType = keyType;
    }

    /**
     * When to renew, and how to retry.
     *
     * @return the current value
     */
    public RenewalProperties getRenewal() {
        return renewal;
    }

    /**
     * The plain-HTTP port, added beside the HTTPS one (server.port).
     *
     * @return the current value
     */
    public int getHttpPort() {
        return httpPort;
    }

    /**
     * The plain-HTTP port, added beside the HTTPS one (server.port).
     *
     * @param httpPort the new value
     */
    public void setHttpPort(int httpPort) {
        this.httpPort = httpPort;
    }

    /**
     * The port that plain-HTTP requests are redirected to, when clients reach HTTPS on another port than server.port
     * (behind port forwarding).
     *
     * @return the current value
     */
    public Integer getRedirectPort() {
        return redirectPort;
    }

    /**
     * The port that plain-HTTP requests are redirected to, when clients reach HTTPS on another port than server.port
     * (behind port forwarding).
     *
     * @param redirectPort the new value
     */
    public void setRedirectPort(Integer redirectPort) {
        this.redirectPort = redirectPort;
    }

    /**
     * Strict-Transport-Security sent on HTTPS responses.
     *
     * @return the current value
     */
    public HstsProperties getHsts() {
        return hsts;
    }

    /**
     * The name of the SSL bundle holding the served certificate, which server.ssl.bundle is set to.
     *
     * @return the current value
     */
    public String getSslBundle() {
        return sslBundle;
    }

    /**
     * The name of the SSL bundle holding the served certificate, which server.ssl.bundle is set to.
     *
     * @param sslBundle the new value
     */
    public void setSslBundle(String sslBundle) {
        this.sslBundle = sslBundle;
    }

    /**
     * Who is told when renewal fails, a certificate expires or is revoked, and when it is over.
     *
     * @return the notice settings
     */
    public NotifyProperties getNotify() {
        return notify;
    }

    /**
     * What is checked before the first order for a name.
     *
     * @return the preflight settings
     */
    public PreflightProperties getPreflight() {
        return preflight;
    }

    /**
     * Actuator health settings.
     *
     * @return the current value
     */
    public HealthProperties getHealth() {
        return health;
    }

    /** A challenge type certpilot can answer from the web server. */
    public enum Challenge {
        /** A file under /.well-known/acme-challenge/ on port 80. */
        HTTP_01,
        /** A special certificate on port 443 (Jetty only). */
        TLS_ALPN_01,
        /**
         * A TXT record set once at _validation-persist.&lt;name&gt; (draft-ietf-acme-dns-persist), where the CA
         * offers it: no DNS credentials in the app. The records to set are logged at start.
         */
        DNS_PERSIST_01
    }

    /** The kinds of store. */
    public enum StorageType {
        /** A CertificateStore bean when there is one, else a directory. */
        AUTO,
        /** A directory. */
        FILE,
        /** The application's PostgreSQL DataSource (needs dev.certpilot:certpilot-jdbc). */
        JDBC
    }

}
