/**
 * File plumbing shared by readers and writers: {@link dev.sdfarm.checkpoint.io.AtomicOutputFile} writes a
 * file so that it either appears complete under its final name or not at all, and
 * {@link dev.sdfarm.checkpoint.io.FileHashing} streams sha256 digests over byte ranges of a file.
 */
package dev.sdfarm.checkpoint.io;
