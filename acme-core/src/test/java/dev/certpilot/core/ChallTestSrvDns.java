package dev.certpilot.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.certpilot.core.spi.Dns01Responder;
import dev.certpilot.test.Pebble;

/** A DNS-01 responder over Pebble's mock DNS; records what it published, for assertions. */
public final class ChallTestSrvDns implements Dns01Responder {

    private final Pebble pebble;
    final List<String> published = new CopyOnWriteArrayList<>();
    final List<String> removed = new CopyOnWriteArrayList<>();

    public ChallTestSrvDns(Pebble pebble) {
        this.pebble = pebble;
    }

    @Override
    public void publish(String recordName, String value) {
        pebble.setTxt(recordName, value);
        published.add(recordName);
    }

    @Override
    public void remove(String recordName, String value) {
        pebble.clearTxt(recordName);
        removed.add(recordName);
    }
}
