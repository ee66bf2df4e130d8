package dev.sdfarm.gateway.conversion;

import java.util.ArrayDeque;

/** The last lines of a converter's output, bounded in count and in length per line. Thread-safe. */
final class LogTail {
    static final int MAX_LINES = 50;
    static final int MAX_LINE_CHARS = 300;
    private final ArrayDeque<String> lines = new ArrayDeque<>();

    synchronized void add(String line) {
        String l = line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) + "…" : line;
        if (lines.size() == MAX_LINES) {
            lines.removeFirst();
        }
        lines.addLast(l);
    }

    /** Adds every line of {@code text} (the tail of a pod log). */
    synchronized void addAll(String text) {
        for (String l : text.split("\n")) {
            if (!l.isEmpty()) {
                add(l);
            }
        }
    }

    synchronized String text() {
        return String.join("\n", lines);
    }

    /** The last line that is not the JVM's own warning noise, or null. */
    synchronized String lastMessage() {
        var it = lines.descendingIterator();
        while (it.hasNext()) {
            String l = it.next();
            if (!l.isBlank() && !l.startsWith("WARNING:")) {
                return l;
            }
        }
        return null;
    }
}
