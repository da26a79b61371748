package dev.certpilot.core;

import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.Lease;
import dev.certpilot.core.spi.StoredCertificate;

/** A store that hands every call to another, for tests to override one method with a fault. */
class ForwardingStore implements CertificateStore {

    private final CertificateStore delegate;

    ForwardingStore(CertificateStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public Optional<CertificateBundle> load(String name) throws IOException {
        return delegate.load(name);
    }

    @Override
    public void save(CertificateBundle bundle, Lease lease) throws IOException {
        delegate.save(bundle, lease);
    }

    @Override
    public boolean delete(String name, Lease lease) throws IOException {
        return delegate.delete(name, lease);
    }

    @Override
    public List<StoredCertificate> list() throws IOException {
        return delegate.list();
    }

    @Override
    public String revision() throws IOException {
        return delegate.revision();
    }

    @Override
    public Optional<Lease> tryLease(String name, Duration duration) throws IOException {
        return delegate.tryLease(name, duration);
    }

    @Override
    public Optional<KeyPair> loadAccountKey(String accountId) throws IOException {
        return delegate.loadAccountKey(accountId);
    }

    @Override
    public void saveAccountKey(String accountId, KeyPair keyPair) throws IOException {
        delegate.saveAccountKey(accountId, keyPair);
    }

    @Override
    public void putChallenge(String key, String value, Duration ttl) throws IOException {
        delegate.putChallenge(key, value, ttl);
    }

    @Override
    public Optional<String> challenge(String key) throws IOException {
        return delegate.challenge(key);
    }

    @Override
    public void removeChallenge(String key) throws IOException {
        delegate.removeChallenge(key);
    }
}
