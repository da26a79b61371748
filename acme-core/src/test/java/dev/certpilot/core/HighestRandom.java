package dev.certpilot.core;

import java.util.random.RandomGenerator;

/** A random generator that always draws the highest value: the latest time of a spread, the longest back-off. */
public final class HighestRandom implements RandomGenerator {

    @Override
    public long nextLong() {
        return Long.MAX_VALUE;
    }

    @Override
    public long nextLong(long bound) {
        return bound - 1;
    }
}
