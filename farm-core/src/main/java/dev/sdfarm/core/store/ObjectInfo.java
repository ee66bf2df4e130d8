package dev.sdfarm.core.store;

import java.time.Instant;

/** An object's key, size in bytes and last modification. */
public record ObjectInfo(String key, long size, Instant modified) {
}
