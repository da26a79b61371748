package dev.certpilot.core;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.certpilot.test.PebbleExtension;

/**
 * The test kit's {@link dev.certpilot.test.Http01Server} at the port Pebble validates HTTP-01 against, answering from
 * {@link #responder()}, for each test. Register it as a non-static extension.
 */
final class Http01Server implements BeforeEachCallback, AfterEachCallback {

    private final PebbleExtension pebble;
    private final InMemoryHttp01Responder responder = new InMemoryHttp01Responder();
    private dev.certpilot.test.Http01Server server;

    Http01Server(PebbleExtension pebble) {
        this.pebble = pebble;
    }

    InMemoryHttp01Responder responder() {
        return responder;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        server = dev.certpilot.test.Http01Server.start(pebble.pebble().httpPort(), responder::keyAuthorization);
    }

    /** How many challenge requests got a key authorization. */
    int answered() {
        return server.answered();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        server.close();
    }
}
