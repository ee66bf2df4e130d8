package dev.sdfarm.checkpoint.torch;

import dev.sdfarm.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The entries of a zip archive, read from its central directory (ZIP64 included: Stable Diffusion checkpoints
 * are 2 to 8 GB) and checked against the local headers: every entry lies inside the data region, no two
 * entries overlap, names are unique, and local and central records agree. The archive must be a single,
 * unencrypted zip with nothing after its end record.
 */
final class ZipDirectory {
    static final int LOCAL_HEADER = 0x04034b50;
    static final int CENTRAL_HEADER = 0x02014b50;
    static final int END_OF_CENTRAL_DIRECTORY = 0x06054b50;
    static final int ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
    static final int ZIP64_LOCATOR = 0x07064b50;
    static final int DATA_DESCRIPTOR = 0x08074b50;
    static final int ZIP64_EXTRA = 0x0001;

    private static final int EOCD_SIZE = 22;
    private static final int LOCATOR_SIZE = 20;
    private static final int ZIP64_EOCD_SIZE = 56;
    private static final int CENTRAL_SIZE = 46;
    private static final int LOCAL_SIZE = 30;
    /** Far more entries than any checkpoint has (one per storage); bounds memory for hostile directories. */
    static final int MAX_ENTRIES = 1_000_000;
    private static final long MAX_CENTRAL_DIRECTORY = 256L << 20;
    private static final String FIX_DAMAGED = "The archive is damaged or truncated; download it again";

    private final List<ZipEntry> entries;
    private final Map<String, ZipEntry> byName;
    private final long centralDirectoryOffset;

    private ZipDirectory(List<ZipEntry> entries, long centralDirectoryOffset) {
        this.entries = Collections.unmodifiableList(entries);
        Map<String, ZipEntry> m = new LinkedHashMap<>();
        for (ZipEntry e : entries) {
            m.put(e.name(), e);
        }
        this.byName = Collections.unmodifiableMap(m);
        this.centralDirectoryOffset = centralDirectoryOffset;
    }

    /** Entries in central directory order. */
    List<ZipEntry> entries() {
        return entries;
    }

    ZipEntry get(String name) {
        return byName.get(name);
    }

    long centralDirectoryOffset() {
        return centralDirectoryOffset;
    }

    static ZipDirectory read(ArchiveInput in) throws IOException {
        long size = in.size();
        if (size < EOCD_SIZE) {
            throw error("the file is too small (" + size + " bytes) to be a zip archive", "byte 0",
                    "Check that the file is a complete torch checkpoint");
        }
        int tailLength = (int) Math.min(size, EOCD_SIZE + 0xffff);
        long tailStart = size - tailLength;
        ByteBuffer tail = le(in.readBytes(tailStart, tailLength, "the end of the zip archive"));
        int eocd = findEndRecord(tail, tailLength);
        long eocdPos = tailStart + eocd;

        int disk = u16(tail, eocd + 4);
        int cdDisk = u16(tail, eocd + 6);
        long entriesOnDisk = u16(tail, eocd + 8);
        long totalEntries = u16(tail, eocd + 10);
        long cdSize = u32(tail, eocd + 12);
        long cdOffset = u32(tail, eocd + 16);
        long cdEnd = eocdPos;

        if (eocdPos >= LOCATOR_SIZE) {
            ByteBuffer loc = le(in.readBytes(eocdPos - LOCATOR_SIZE, LOCATOR_SIZE, "the ZIP64 locator"));
            if (loc.getInt(0) == ZIP64_LOCATOR) {
                long locatorPos = eocdPos - LOCATOR_SIZE;
                long z64Pos = loc.getLong(8);
                if (loc.getInt(4) != 0 || loc.getInt(16) != 1) {
                    throw error("the archive spans several disks, which is not supported", "byte " + locatorPos,
                            "Join the parts into one file");
                }
                if (z64Pos < 0 || z64Pos > locatorPos - ZIP64_EOCD_SIZE) {
                    throw error("the ZIP64 locator points to byte " + z64Pos + ", outside the archive",
                            "byte " + locatorPos, FIX_DAMAGED);
                }
                ByteBuffer z = le(in.readBytes(z64Pos, ZIP64_EOCD_SIZE, "the ZIP64 end of central directory"));
                long recordSize = z.getLong(4);
                if (z.getInt(0) != ZIP64_END_OF_CENTRAL_DIRECTORY || recordSize < ZIP64_EOCD_SIZE - 12
                        || recordSize != locatorPos - z64Pos - 12) {
                    throw error("no valid ZIP64 end of central directory record where the locator points",
                            "byte " + z64Pos, FIX_DAMAGED);
                }
                disk = z.getInt(16);
                cdDisk = z.getInt(20);
                entriesOnDisk = z.getLong(24);
                totalEntries = z.getLong(32);
                cdSize = z.getLong(40);
                cdOffset = z.getLong(48);
                cdEnd = z64Pos;
            }
        }
        if (disk != 0 || cdDisk != 0 || entriesOnDisk != totalEntries) {
            throw error("the archive spans several disks, which is not supported", "byte " + eocdPos,
                    "Join the parts into one file");
        }
        if (totalEntries < 0 || totalEntries > MAX_ENTRIES) {
            throw error("the central directory claims " + Long.toUnsignedString(totalEntries) + " entries",
                    "byte " + eocdPos, FIX_DAMAGED);
        }
        if (cdSize < 0 || cdOffset < 0 || cdOffset > cdEnd || cdSize != cdEnd - cdOffset) {
            throw error("the central directory (offset " + cdOffset + ", size " + cdSize
                    + ") does not end where the end record starts (byte " + cdEnd + ")", "byte " + eocdPos,
                    "The archive is damaged, truncated, or has data prepended to it; download it again");
        }
        if (cdSize > MAX_CENTRAL_DIRECTORY || cdSize < totalEntries * CENTRAL_SIZE) {
            throw error("the central directory size " + cdSize + " does not fit " + totalEntries + " entries",
                    "byte " + cdOffset, FIX_DAMAGED);
        }
        List<ZipEntry> central = parseCentral(le(in.readBytes(cdOffset, (int) cdSize, "the central directory")),
                (int) totalEntries, cdOffset);
        return new ZipDirectory(checkLocalHeaders(in, central, cdOffset), cdOffset);
    }

    /** The end record is the last signature whose comment length reaches exactly the end of the file. */
    private static int findEndRecord(ByteBuffer tail, int tailLength) {
        boolean sawSignature = false;
        for (int i = tailLength - EOCD_SIZE; i >= 0; i--) {
            if (tail.getInt(i) == END_OF_CENTRAL_DIRECTORY) {
                if (i + EOCD_SIZE + u16(tail, i + 20) == tailLength) {
                    return i;
                }
                sawSignature = true;
            }
        }
        if (sawSignature) {
            throw error("the zip end record does not end the file: there is trailing data after the archive",
                    "end of file", "Remove what was appended to the file, or download it again");
        }
        throw error("no zip end of central directory record: the archive is truncated or not a zip file",
                "end of file", FIX_DAMAGED);
    }

    private static List<ZipEntry> parseCentral(ByteBuffer cd, int count, long cdOffset) {
        List<ZipEntry> out = new ArrayList<>(count);
        HashMap<String, Integer> seen = new HashMap<>();
        int p = 0;
        for (int i = 0; i < count; i++) {
            String where = "central directory entry " + i + " (byte " + (cdOffset + p) + ")";
            if (cd.limit() - p < CENTRAL_SIZE || cd.getInt(p) != CENTRAL_HEADER) {
                throw error("a central directory record is missing or damaged", where, FIX_DAMAGED);
            }
            int flags = u16(cd, p + 8);
            int method = u16(cd, p + 10);
            int crc = cd.getInt(p + 16);
            long csize = u32(cd, p + 20);
            long usize = u32(cd, p + 24);
            int nameLen = u16(cd, p + 28);
            int extraLen = u16(cd, p + 30);
            int commentLen = u16(cd, p + 32);
            int startDisk = u16(cd, p + 34);
            long offset = u32(cd, p + 42);
            int recordEnd = p + CENTRAL_SIZE + nameLen + extraLen + commentLen;
            if (recordEnd > cd.limit()) {
                throw error("a central directory record runs past the directory", where, FIX_DAMAGED);
            }
            String name = decodeName(cd, p + CENTRAL_SIZE, nameLen, where);
            where = "zip entry " + name;
            if ((flags & 1) != 0) {
                throw error("the entry is encrypted", where, "Re-save the checkpoint without encryption");
            }
            // ZIP64: saturated fields are in the extra field, in this order.
            boolean needU = usize == 0xffffffffL;
            boolean needC = csize == 0xffffffffL;
            boolean needO = offset == 0xffffffffL;
            boolean needD = startDisk == 0xffff;
            if (needU || needC || needO || needD) {
                ByteBuffer z = findExtra(cd, p + CENTRAL_SIZE + nameLen, extraLen, where);
                int need = (needU ? 8 : 0) + (needC ? 8 : 0) + (needO ? 8 : 0) + (needD ? 4 : 0);
                if (z == null || z.remaining() < need) {
                    throw error("the entry's sizes or offset are in a missing or short ZIP64 extra field", where,
                            FIX_DAMAGED);
                }
                int q = z.position();
                if (needU) {
                    usize = z.getLong(q);
                    q += 8;
                }
                if (needC) {
                    csize = z.getLong(q);
                    q += 8;
                }
                if (needO) {
                    offset = z.getLong(q);
                    q += 8;
                }
                if (needD) {
                    startDisk = z.getInt(q);
                }
            }
            if (startDisk != 0) {
                throw error("the entry is on another disk of a multi-part archive", where, "Join the parts into one file");
            }
            if (usize < 0 || csize < 0 || offset < 0) {
                throw error("the entry has a size or offset beyond 2^63", where, FIX_DAMAGED);
            }
            if (seen.put(name, i) != null) {
                throw error("the archive has two entries named " + name, where,
                        "The archive is malformed; re-save the checkpoint with torch.save");
            }
            out.add(new ZipEntry(name, method, crc, csize, usize, offset, -1));
            p = recordEnd;
        }
        if (p != cd.limit()) {
            throw error("the central directory has " + (cd.limit() - p) + " bytes after its last record",
                    "byte " + (cdOffset + p), FIX_DAMAGED);
        }
        return out;
    }

    /** The body of the ZIP64 extra field within {@code [start, start+length)}, or null. */
    private static ByteBuffer findExtra(ByteBuffer b, int start, int length, String where) {
        int p = start;
        int end = start + length;
        while (p + 4 <= end) {
            int id = u16(b, p);
            int len = u16(b, p + 2);
            if (p + 4 + len > end) {
                throw error("an extra field runs past its record", where, FIX_DAMAGED);
            }
            if (id == ZIP64_EXTRA) {
                return b.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(p + 4).limit(p + 4 + len);
            }
            p += 4 + len;
        }
        return null;
    }

    /** Reads each local header: same name and method, data inside the archive, no overlaps. */
    private static List<ZipEntry> checkLocalHeaders(ArchiveInput in, List<ZipEntry> central, long cdOffset)
            throws IOException {
        List<ZipEntry> resolved = new ArrayList<>(central.size());
        for (ZipEntry e : central) {
            String where = "zip entry " + e.name() + " (local header at byte " + e.localHeaderOffset() + ")";
            byte[] nameBytes = e.name().getBytes(StandardCharsets.UTF_8);
            long headerEnd = e.localHeaderOffset() + LOCAL_SIZE + nameBytes.length;
            if (e.localHeaderOffset() > cdOffset || headerEnd > cdOffset) {
                throw error("the entry's local header lies outside the archive's data", where, FIX_DAMAGED);
            }
            ByteBuffer h = le(in.readBytes(e.localHeaderOffset(), LOCAL_SIZE + nameBytes.length, "a local header"));
            if (h.getInt(0) != LOCAL_HEADER) {
                throw error("no local file header where the central directory says the entry starts", where,
                        FIX_DAMAGED);
            }
            int method = u16(h, 8);
            int nameLen = u16(h, 26);
            int extraLen = u16(h, 28);
            if (nameLen != nameBytes.length
                    || !Arrays.equals(h.array(), LOCAL_SIZE, LOCAL_SIZE + nameLen, nameBytes, 0, nameLen)) {
                throw error("the local header names a different entry than the central directory", where,
                        FIX_DAMAGED);
            }
            if (method != e.method()) {
                throw error("local header and central directory disagree on the compression method", where,
                        FIX_DAMAGED);
            }
            long dataOffset = headerEnd + extraLen;
            if (dataOffset > cdOffset || e.compressedSize() > cdOffset - dataOffset) {
                throw error("the entry's " + e.compressedSize() + " data bytes at byte " + dataOffset
                        + " run past the archive's data region (which ends at byte " + cdOffset + ")", where,
                        FIX_DAMAGED);
            }
            resolved.add(new ZipEntry(e.name(), e.method(), e.crc(), e.compressedSize(), e.size(),
                    e.localHeaderOffset(), dataOffset));
        }
        List<ZipEntry> byOffset = new ArrayList<>(resolved);
        byOffset.sort(Comparator.comparingLong(ZipEntry::localHeaderOffset));
        for (int i = 1; i < byOffset.size(); i++) {
            ZipEntry prev = byOffset.get(i - 1);
            ZipEntry next = byOffset.get(i);
            if (next.localHeaderOffset() < prev.dataEnd()) {
                throw error("entries " + prev.name() + " and " + next.name() + " overlap",
                        "zip entry " + next.name() + " (byte " + next.localHeaderOffset() + ")",
                        "The archive is malformed or crafted; do not use it");
            }
        }
        return resolved;
    }

    private static String decodeName(ByteBuffer b, int off, int len, String where) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(b.duplicate().position(off).limit(off + len))
                    .toString();
        } catch (CharacterCodingException e) {
            throw error("an entry name is not valid UTF-8", where, FIX_DAMAGED);
        }
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int u16(ByteBuffer b, int i) {
        return b.getShort(i) & 0xffff;
    }

    private static long u32(ByteBuffer b, int i) {
        return b.getInt(i) & 0xffffffffL;
    }

    static CheckpointException error(String message, String where, String fix) {
        return new CheckpointException(message, where, fix);
    }
}
