package dev.sdfarm.checkpoint.torch;

/**
 * One entry of a zip archive, from its central directory record, with the data offset found in its local
 * header.
 *
 * @param name              entry name
 * @param method            compression method (0 stored, 8 deflated)
 * @param crc               CRC-32 of the uncompressed data
 * @param compressedSize    bytes of (possibly compressed) data
 * @param size              bytes once uncompressed
 * @param localHeaderOffset absolute offset of the local file header
 * @param dataOffset        absolute offset of the first data byte
 */
record ZipEntry(String name, int method, int crc, long compressedSize, long size, long localHeaderOffset,
                long dataOffset) {
    static final int STORED = 0;
    static final int DEFLATED = 8;

    /** One past the last data byte. */
    long dataEnd() {
        return dataOffset + compressedSize;
    }
}
