package dev.sdfarm.diffusion.text;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * CLIP's byte-level BPE over the vocabulary file {@code bpe_simple_vocab_16e6.txt.gz}, built the way
 * openai/CLIP's {@code SimpleTokenizer} builds it: ids 0..255 are the bytes (through GPT-2's byte-to-unicode
 * table), 256..511 the same bytes ending a word ({@code </w>}), then one id per merge in file order (lines
 * 1..48894; line 0 is a header), then {@code <|startoftext|>} and {@code <|endoftext|>}. A merge's rank is its
 * line order and the token it produces has id {@code 512 + rank}.
 *
 * <p>Instances are immutable apart from a bounded, thread-safe cache of encoded words.
 */
final class BytePairEncoder {
    static final String VOCABULARY_RESOURCE = "/dev/sdfarm/diffusion/text/bpe_simple_vocab_16e6.txt.gz";
    static final int MERGE_COUNT = 49152 - 256 - 2;
    static final int FIRST_MERGE_ID = 512;
    static final int START_OF_TEXT_ID = FIRST_MERGE_ID + MERGE_COUNT;
    static final int END_OF_TEXT_ID = START_OF_TEXT_ID + 1;
    static final int VOCABULARY_SIZE = END_OF_TEXT_ID + 1;
    private static final String END_OF_WORD = "</w>";
    private static final int CACHE_LIMIT = 100_000;
    /** Words longer than this many bytes are merged with the heap instead of the reference's quadratic loop. */
    private static final int LONG_WORD = 64;

    private final String[] tokens = new String[VOCABULARY_SIZE];
    private final Map<String, Integer> ids = new HashMap<>(VOCABULARY_SIZE * 2);
    /** Symbol id of each byte value, and the byte value of each byte-to-unicode character. */
    private final int[] byteSymbol = new int[256];
    private final int[] charByte = new int[512];
    private final MergeRanks ranks = new MergeRanks(MERGE_COUNT);
    /** The two symbols each merge joins, by rank. */
    private final int[] mergeFirst = new int[MERGE_COUNT];
    private final int[] mergeSecond = new int[MERGE_COUNT];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private BytePairEncoder(String vocabularyFile) {
        int[] byteOrder = byteOrder();
        for (int i = 0; i < 256; i++) {
            int b = byteOrder[i];
            char c = (char) byteToUnicode(b);
            byteSymbol[b] = i;
            charByte[c] = b;
            define(i, String.valueOf(c));
            define(256 + i, c + END_OF_WORD);
        }
        int lineStart = vocabularyFile.indexOf('\n') + 1; // line 0 is the "#version" header
        for (int rank = 0; rank < MERGE_COUNT; rank++) {
            int lineEnd = vocabularyFile.indexOf('\n', lineStart);
            if (lineStart == 0 || lineEnd < 0) {
                throw new IllegalStateException("CLIP vocabulary ends before merge " + rank);
            }
            String line = vocabularyFile.substring(lineStart, lineEnd);
            lineStart = lineEnd + 1;
            int space = line.indexOf(' ');
            if (space <= 0 || space != line.lastIndexOf(' ') || space == line.length() - 1) {
                throw new IllegalStateException("malformed merge on line " + (rank + 1) + ": " + line);
            }
            String first = line.substring(0, space);
            String second = line.substring(space + 1);
            Integer a = ids.get(first);
            Integer b = ids.get(second);
            if (a == null || b == null) {
                throw new IllegalStateException("merge of unknown symbols on line " + (rank + 1) + ": " + line);
            }
            ranks.put(a, b, rank);
            mergeFirst[rank] = a;
            mergeSecond[rank] = b;
            define(FIRST_MERGE_ID + rank, first + second);
        }
        define(START_OF_TEXT_ID, ClipPreTokenizer.START_OF_TEXT);
        define(END_OF_TEXT_ID, ClipPreTokenizer.END_OF_TEXT);
    }

    private void define(int id, String token) {
        if (ids.putIfAbsent(token, id) != null) {
            throw new IllegalStateException("duplicate vocabulary entry " + token);
        }
        tokens[id] = token;
    }

    /** Loads the vocabulary shipped as a class-path resource. */
    static BytePairEncoder load() {
        try (InputStream raw = BytePairEncoder.class.getResourceAsStream(VOCABULARY_RESOURCE)) {
            if (raw == null) {
                throw new IllegalStateException("missing resource " + VOCABULARY_RESOURCE);
            }
            try (GZIPInputStream in = new GZIPInputStream(raw, 1 << 16)) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
                in.transferTo(bytes);
                return new BytePairEncoder(bytes.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + VOCABULARY_RESOURCE, e);
        }
    }

    /**
     * GPT-2's byte order: the printable Latin-1 bytes first (they stand for themselves), then the other 68 in
     * increasing order (they are mapped to U+0100 onwards so that no token contains whitespace or controls).
     */
    private static int[] byteOrder() {
        int[] order = new int[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (isPrintableByte(b)) {
                order[n++] = b;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (!isPrintableByte(b)) {
                order[n++] = b;
            }
        }
        return order;
    }

    private static boolean isPrintableByte(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    private static int byteToUnicode(int b) {
        if (isPrintableByte(b)) {
            return b;
        }
        int n = 0;
        for (int x = 0; x < b; x++) {
            if (!isPrintableByte(x)) {
                n++;
            }
        }
        return 256 + n;
    }

    /** The vocabulary string of an id, in byte-to-unicode form (words end in {@code </w>}). */
    String token(int id) {
        return tokens[id];
    }

    /** The id of a vocabulary string, or -1. */
    int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /**
     * The ids of one pre-tokenized word. The special tokens spelled exactly are their own ids, as in the
     * reference's pre-filled cache.
     */
    int[] encodeWord(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        int[] encoded;
        if (word.equals(ClipPreTokenizer.START_OF_TEXT)) {
            encoded = new int[] {START_OF_TEXT_ID};
        } else if (word.equals(ClipPreTokenizer.END_OF_TEXT)) {
            encoded = new int[] {END_OF_TEXT_ID};
        } else {
            encoded = merge(word.getBytes(StandardCharsets.UTF_8));
        }
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(word, encoded);
        return encoded;
    }

    /**
     * The reference's BPE loop: find the adjacent pair with the lowest merge rank, merge every occurrence of it
     * left to right, repeat until no adjacent pair has a rank.
     */
    private int[] merge(byte[] bytes) {
        int[] symbols = byteSymbols(bytes);
        return symbols.length > LONG_WORD ? mergeLongWord(symbols) : mergeShortWord(symbols);
    }

    /** The unmerged symbols of a word: one per byte, the last one marked as ending the word. */
    int[] byteSymbols(byte[] bytes) {
        int[] symbols = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            symbols[i] = byteSymbol[bytes[i] & 0xFF];
        }
        symbols[bytes.length - 1] += 256;
        return symbols;
    }

    /** The reference's loop as written: quadratic in the word length, fastest for ordinary words. */
    int[] mergeShortWord(int[] symbols) {
        symbols = symbols.clone();
        int len = symbols.length;
        while (len > 1) {
            int bestRank = Integer.MAX_VALUE;
            int first = -1;
            int second = -1;
            for (int i = 0; i + 1 < len; i++) {
                int rank = ranks.get(symbols[i], symbols[i + 1]);
                if (rank < bestRank) {
                    bestRank = rank;
                    first = symbols[i];
                    second = symbols[i + 1];
                }
            }
            if (bestRank == Integer.MAX_VALUE) {
                break;
            }
            int merged = FIRST_MERGE_ID + bestRank;
            int w = 0;
            for (int i = 0; i < len; ) {
                if (i + 1 < len && symbols[i] == first && symbols[i + 1] == second) {
                    symbols[w++] = merged;
                    i += 2;
                } else {
                    symbols[w++] = symbols[i++];
                }
            }
            len = w;
        }
        return Arrays.copyOf(symbols, len);
    }

    /**
     * The same result in O(n log n), so that a pathological prompt (one "word" of many kilobytes) cannot stall
     * a worker: symbols in a linked list, candidate pairs in a heap ordered by rank then position. All
     * occurrences of the lowest rank are taken from the heap before any is merged, so pairs formed by those
     * merges wait for the next round, exactly as in the reference's loop; stale entries are skipped when taken.
     */
    int[] mergeLongWord(int[] symbols) {
        int n = symbols.length;
        int[] symbol = symbols.clone();
        int[] next = new int[n];
        int[] previous = new int[n];
        boolean[] removed = new boolean[n];
        PairHeap heap = new PairHeap(n);
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            previous[i] = i - 1;
            if (i + 1 < n) {
                heap.push(ranks.get(symbol[i], symbol[i + 1]), i);
            }
        }
        int[] batch = new int[16];
        while (!heap.isEmpty()) {
            int rank = heap.peekRank();
            int count = 0;
            while (!heap.isEmpty() && heap.peekRank() == rank) {
                if (count == batch.length) {
                    batch = Arrays.copyOf(batch, count * 2);
                }
                batch[count++] = heap.popPosition();
            }
            int first = mergeFirst[rank];
            int second = mergeSecond[rank];
            int merged = FIRST_MERGE_ID + rank;
            for (int k = 0; k < count; k++) {
                int left = batch[k];
                int right = removed[left] ? -1 : next[left];
                if (right < 0 || symbol[left] != first || symbol[right] != second) {
                    continue;
                }
                symbol[left] = merged;
                removed[right] = true;
                next[left] = next[right];
                if (next[right] >= 0) {
                    previous[next[right]] = left;
                }
                if (previous[left] >= 0) {
                    heap.push(ranks.get(symbol[previous[left]], merged), previous[left]);
                }
                if (next[left] >= 0) {
                    heap.push(ranks.get(merged, symbol[next[left]]), left);
                }
            }
        }
        int[] out = new int[n];
        int len = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            out[len++] = symbol[i];
        }
        return Arrays.copyOf(out, len);
    }

    /**
     * openai/CLIP's {@code decode}: concatenates the vocabulary strings, maps them back to bytes, decodes UTF-8
     * replacing malformed sequences with U+FFFD, and turns every {@code </w>} into a space.
     */
    String decode(int[] idSequence) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(idSequence.length * 4);
        for (int id : idSequence) {
            if (id < 0 || id >= VOCABULARY_SIZE) {
                throw new IllegalArgumentException("token id " + id + " is outside the CLIP vocabulary");
            }
            String token = tokens[id];
            for (int i = 0; i < token.length(); i++) {
                bytes.write(charByte[token.charAt(i)]);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8).replace(END_OF_WORD, " ");
    }

    /** Min-heap of (rank, position) packed into longs; pairs without a rank are not stored. */
    private static final class PairHeap {
        private long[] heap;
        private int size;

        PairHeap(int capacity) {
            heap = new long[Math.max(capacity, 4)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(int rank, int position) {
            if (rank == Integer.MAX_VALUE) {
                return;
            }
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            long entry = ((long) rank << 32) | position;
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= entry) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = entry;
        }

        int peekRank() {
            return (int) (heap[0] >>> 32);
        }

        int popPosition() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (heap[child] >= last) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return (int) top;
        }
    }

    /** Merge ranks keyed by the pair of symbol ids, in an open-addressing table. */
    private static final class MergeRanks {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        MergeRanks(int expected) {
            int capacity = Integer.highestOneBit(expected * 3) << 1;
            keys = new long[capacity];
            values = new int[capacity];
            mask = capacity - 1;
            Arrays.fill(keys, -1L);
        }

        private static long key(int first, int second) {
            return ((long) first << 32) | (second & 0xFFFFFFFFL);
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 40) & mask;
        }

        void put(int first, int second, int rank) {
            long key = key(first, second);
            int i = slot(key);
            while (keys[i] != -1L) {
                if (keys[i] == key) {
                    throw new IllegalStateException("merge " + rank + " repeats an earlier merge");
                }
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = rank;
        }

        int get(int first, int second) {
            long key = key(first, second);
            int i = slot(key);
            while (true) {
                long k = keys[i];
                if (k == key) {
                    return values[i];
                }
                if (k == -1L) {
                    return Integer.MAX_VALUE;
                }
                i = (i + 1) & mask;
            }
        }
    }
}
