package dev.sdfarm.core.store;

import java.io.FileNotFoundException;

/** The store holds nothing under the key asked for. */
public final class NoSuchObjectException extends FileNotFoundException {
    public NoSuchObjectException(String store, String key) {
        super("no object '" + key + "' in " + store);
    }
}
