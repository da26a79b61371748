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
     * A PEM file with the certificates that anchor trust in the CA's own HTTPS endpoint, for private and test CAs
     * such as Pebble. Default: the JDK's trust store.
     */
    private Path caTrust;

    /** External Account Binding credentials, for CAs that require them (ZeroSSL, many private CAs). */
    private final Eab eab = new Eab();

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
    private List<Certificate> certificates = new ArrayList<>();

    /** The certificate served to clients that send no name (SNI) or an unknown one. Default: the first. */
    private String defaultCertificate;

    /**
     * Challenge types the CA may validate with: http-01 (on certpilot.http-port) and, on Jetty, tls-alpn-01 (on the
     * HTTPS port). Default: http-01, plus tls-alpn-01 on Jetty.
     */
    private List<Challenge> challenges = new ArrayList<>();

    /** Where certificates and the account key are kept. */
    private final Storage storage = new Storage();

    /** The type of the certificates' keys. */
    private KeyType keyType = CertificateManagerBuilder.DEFAULT_KEY_TYPE;

    /** When to renew, and how to retry. */
    private final Renewal renewal = new Renewal();

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
    private final Hsts hsts = new Hsts();

    /** The name of the SSL bundle holding the served certificate, which server.ssl.bundle is set to. */
    private String sslBundle = "certpilot";

    /** Actuator health settings. */
    private final Health health = new Health();

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
    public Eab getEab() {
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
    public List<Certificate> getCertificates() {
        return certificates;
    }

    /**
     * Certificates, each with a name and its domains; beside or instead of certpilot.domains.
     *
     * @param certificates the new value
     */
    public void setCertificates(List<Certificate> certificates) {
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
    public Storage getStorage() {
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
    public Renewal getRenewal() {
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
    public Hsts getHsts() {
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
    public Health getHealth() {
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

    /** External Account Binding credentials, from the CA's console. */
    public static class Eab {

        /** The EAB key identifier. */
        private String keyId;

        /** The EAB HMAC key, base64url as the CA gives it. */
        private String hmacKey;

        /**
         * The EAB key identifier.
         *
         * @return the current value
         */
        public String getKeyId() {
            return keyId;
        }

        /**
         * The EAB key identifier.
         *
         * @param keyId the new value
         */
        public void setKeyId(String keyId) {
            this.keyId = keyId;
        }

        /**
         * The EAB HMAC key, base64url as the CA gives it.
         *
         * @return the current value
         */
        public String getHmacKey() {
            return hmacKey;
        }

        /**
         * The EAB HMAC key, base64url as the CA gives it.
         *
         * @param hmacKey the new value
         */
        public void setHmacKey(String hmacKey) {
            this.hmacKey = hmacKey;
        }
    }

    /** One certificate. */
    public static class Certificate {

        /** Its name, which the store, the logs, actuator and metrics use. Default: its first domain. */
        private String name;

        /** Its domains; the first is the subject. */
        private List<String> domains = new ArrayList<>();

        /** Its certificate profile, instead of certpilot.profile. */
        private String profile;

        /**
         * Its certificate profile, instead of certpilot.profile.
         *
         * @return the current value
         */
        public String getProfile() {
            return profile;
        }

        /**
         * Its certificate profile, instead of certpilot.profile.
         *
         * @param profile the new value
         */
        public void setProfile(String profile) {
            this.profile = profile;
        }

        /**
         * Its name, which the store, the logs, actuator and metrics use.
         *
         * @return the current value
         */
        public String getName() {
            return name;
        }

        /**
         * Its name, which the store, the logs, actuator and metrics use.
         *
         * @param name the new value
         */
        public void setName(String name) {
            this.name = name;
        }

        /**
         * Its domains; the first is the subject.
         *
         * @return the current value
         */
        public List<String> getDomains() {
            return domains;
        }

        /**
         * Its domains; the first is the subject.
         *
         * @param domains the new value
         */
        public void setDomains(List<String> domains) {
            this.domains = domains;
        }
    }

    /** Where certificates are kept. */
    public static class Storage {

        /**
         * file (a directory), jdbc (the application's DataSource, PostgreSQL, shared by every instance), or auto:
         * a CertificateStore bean when there is one, else file.
         */
        private StorageType type = StorageType.AUTO;

        /**
         * The directory of the file store; put it on persistent storage. Default: $XDG_DATA_HOME/certpilot, else
         * ~/.local/share/certpilot; never the working directory.
         */
        private Path directory;

        /**
         * For jdbc: an AES key (base64, 16 or 32 bytes) that private keys are encrypted with in the database.
         * Default: stored as they are, protected by the database's access control.
         */
        private String encryptionKey;

        /**
         * For jdbc with an encryption key: reads private keys stored in plaintext before encryption was turned on,
         * and encrypts each in place at its first read. Default false: such a key is refused, since whoever can
         * write to the database could have put in a key they know. Turn it on for one start, then off.
         */
        private boolean migratePlaintextKeys;

        /**
         * For a store shared by several instances: how long the lease of a certificate being ordered lasts unless
         * its holder renews it, so how soon another instance takes over from one that died. Default: 1 minute.
         */
        private Duration leaseDuration;

        /**
         * For a store shared by several instances: how often each asks the store whether another obtained or renewed
         * a certificate, which it then serves too. Default: 2 seconds.
         */
        private Duration pollInterval;

        /**
         * file (a directory), jdbc (the application's DataSource, PostgreSQL, shared by every instance), or auto.
         *
         * @return the current value
         */
        public StorageType getType() {
            return type;
        }

        /**
         * file (a directory), jdbc (the application's DataSource, PostgreSQL, shared by every instance), or auto.
         *
         * @param type the new value
         */
        public void setType(StorageType type) {
            this.type = type;
        }

        /**
         * The directory of the file store; put it on persistent storage.
         *
         * @return the current value
         */
        public Path getDirectory() {
            return directory;
        }

        /**
         * The directory of the file store; put it on persistent storage.
         *
         * @param directory the new value
         */
        public void setDirectory(Path directory) {
            this.directory = directory;
        }

        /**
         * For jdbc.
         *
         * @return the current value
         */
        public String getEncryptionKey() {
            return encryptionKey;
        }

        /**
         * For jdbc.
         *
         * @param encryptionKey the new value
         */
        public void setEncryptionKey(String encryptionKey) {
            this.encryptionKey = encryptionKey;
        }

        /**
         * For a store shared by several instances.
         *
         * @return the current value
         */
        public Duration getLeaseDuration() {
            return leaseDuration;
        }

        /**
         * For a store shared by several instances.
         *
         * @param leaseDuration the new value
         */
        public void setLeaseDuration(Duration leaseDuration) {
            this.leaseDuration = leaseDuration;
        }

        /**
         * For a store shared by several instances.
         *
         * @return the current value
         */
        public Duration getPollInterval() {
            return pollInterval;
        }

        /**
         * For a store shared by several instances.
         *
         * @param pollInterval the new value
         */
        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }

        /**
         * For jdbc with an encryption key.
         *
         * @return the current value
         */
        public boolean isMigratePlaintextKeys() {
            return migratePlaintextKeys;
        }

        /**
         * For jdbc with an encryption key.
         *
         * @param migratePlaintextKeys the new value
         */
        public void setMigratePlaintextKeys(boolean migratePlaintextKeys) {
            this.migratePlaintextKeys = migratePlaintextKeys;
        }
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

    /** When to renew and how to retry. */
    public static class Renewal {

        /**
         * Renew when less than this fraction of the certificate's lifetime is left (0 to 1, exclusive). Default: a
         * third, or half for short-lived certificates of 10 days or less.
         */
        private Double window;

        /** How often each certificate is looked at (expiry, revocation, the CA's renewal info). */
        private Duration checkInterval = CertificateManagerBuilder.DEFAULT_CHECK_INTERVAL;

        /** Warn (event, log, health DOWN) when renewal keeps failing and the certificate expires within this. */
        private Duration expiryWarning = CertificateManagerBuilder.DEFAULT_EXPIRY_WARNING;

        /** The first pause after a failed attempt; it doubles up to retry-max. */
        private Duration retryInitial = CertificateManagerBuilder.DEFAULT_RETRY_INITIAL;

        /** The longest pause between failed attempts. */
        private Duration retryMax = CertificateManagerBuilder.DEFAULT_RETRY_MAX;

        /**
         * Renew when less than this fraction of the certificate's lifetime is left (0 to 1, exclusive).
         *
         * @return the current value
         */
        public Double getWindow() {
            return window;
        }

        /**
         * Renew when less than this fraction of the certificate's lifetime is left (0 to 1, exclusive).
         *
         * @param window the new value
         */
        public void setWindow(Double window) {
            this.window = window;
        }

        /**
         * How often each certificate is looked at (expiry, revocation, the CA's renewal info).
         *
         * @return the current value
         */
        public Duration getCheckInterval() {
            return checkInterval;
        }

        /**
         * How often each certificate is looked at (expiry, revocation, the CA's renewal info).
         *
         * @param checkInterval the new value
         */
        public void setCheckInterval(Duration checkInterval) {
            this.checkInterval = checkInterval;
        }

        /**
         * Warn (event, log, health DOWN) when renewal keeps failing and the certificate expires within this.
         *
         * @return the current value
         */
        public Duration getExpiryWarning() {
            return expiryWarning;
        }

        /**
         * Warn (event, log, health DOWN) when renewal keeps failing and the certificate expires within this.
         *
         * @param expiryWarning the new value
         */
        public void setExpiryWarning(Duration expiryWarning) {
            this.expiryWarning = expiryWarning;
        }

        /**
         * The first pause after a failed attempt; it doubles up to retry-max.
         *
         * @return the current value
         */
        public Duration getRetryInitial() {
            return retryInitial;
        }

        /**
         * The first pause after a failed attempt; it doubles up to retry-max.
         *
         * @param retryInitial the new value
         */
        public void setRetryInitial(Duration retryInitial) {
            this.retryInitial = retryInitial;
        }

        /**
         * The longest pause between failed attempts.
         *
         * @return the current value
         */
        public Duration getRetryMax() {
            return retryMax;
        }

        /**
         * The longest pause between failed attempts.
         *
         * @param retryMax the new value
         */
        public void setRetryMax(Duration retryMax) {
            this.retryMax = retryMax;
        }
    }

    /** Strict-Transport-Security. */
    public static class Hsts {

        /**
         * How long browsers remember to use HTTPS only. Keep it short until HTTPS works for every name, then raise
         * it to a year (365d). Zero sends no header.
         */
        private Duration maxAge = Duration.ofMinutes(5);

        /** Whether the policy covers subdomains too. */
        private boolean includeSubDomains;

        /** Whether to ask for browsers' preload lists (needs a max-age of a year and include-sub-domains). */
        private boolean preload;

        /**
         * How long browsers remember to use HTTPS only.
         *
         * @return the current value
         */
        public Duration getMaxAge() {
            return maxAge;
        }

        /**
         * How long browsers remember to use HTTPS only.
         *
         * @param maxAge the new value
         */
        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }

        /**
         * Whether the policy covers subdomains too.
         *
         * @return the current value
         */
        public boolean isIncludeSubDomains() {
            return includeSubDomains;
        }

        /**
         * Whether the policy covers subdomains too.
         *
         * @param includeSubDomains the new value
         */
        public void setIncludeSubDomains(boolean includeSubDomains) {
            this.includeSubDomains = includeSubDomains;
        }

        /**
         * Whether to ask for browsers' preload lists (needs a max-age of a year and include-sub-domains).
         *
         * @return the current value
         */
        public boolean isPreload() {
            return preload;
        }

        /**
         * Whether to ask for browsers' preload lists (needs a max-age of a year and include-sub-domains).
         *
         * @param preload the new value
         */
        public void setPreload(boolean preload) {
            this.preload = preload;
        }
    }

    /** Actuator health. */
    public static class Health {

        /**
         * How long the self-signed bootstrap certificate may be served before health is DOWN; before that it is
         * OUT_OF_SERVICE, so that a readiness group holds traffic back until the CA's certificate is served.
         */
        private Duration bootstrapGrace = Duration.ofMinutes(5);

        /**
         * How long the self-signed bootstrap certificate may be served before health is DOWN; before that it is
         * OUT_OF_SERVICE, so that a readiness group holds traffic back until the CA's certificate is served.
         *
         * @return the current value
         */
        public Duration getBootstrapGrace() {
            return bootstrapGrace;
        }

        /**
         * How long the self-signed bootstrap certificate may be served before health is DOWN; before that it is
         * OUT_OF_SERVICE, so that a readiness group holds traffic back until the CA's certificate is served.
         *
         * @param bootstrapGrace the new value
         */
        public void setBootstrapGrace(Duration bootstrapGrace) {
            this.bootstrapGrace = bootstrapGrace;
        }
    }
}
