/**
 * The object store: where models and rendered images live, behind one small interface, {@link
 * dev.sdfarm.core.store.ObjectStore}.
 *
 * <ul>
 *   <li>{@link dev.sdfarm.core.store.ObjectKeys}: the key rules every store shares ('/'-separated segments of
 *       letters, digits, '.', '_' and '-'), so a key means the same in a folder and in a bucket.</li>
 *   <li>{@link dev.sdfarm.core.store.FileObjectStore}: a local folder; writes go through a synced temporary file
 *       and an atomic rename.</li>
 *   <li>{@link dev.sdfarm.core.store.S3ObjectStore} with {@link dev.sdfarm.core.store.S3Config}: an S3 bucket
 *       (AWS, MinIO or another S3-compatible server) through the AWS SDK v2 synchronous client; large files go
 *       up as multipart uploads that are aborted on failure.</li>
 *   <li>{@link dev.sdfarm.core.store.ObjectStores}: opens either from a location string ({@code /srv/farm},
 *       {@code file:/srv/farm}, {@code s3://bucket/prefix}).</li>
 * </ul>
 *
 * Every store writes atomically (a reader sees the old object or the whole new one), lists keys sorted,
 * reports a missing object as {@link dev.sdfarm.core.store.NoSuchObjectException}, and never prints
 * credentials in {@code describe()} or error messages.
 */
package dev.sdfarm.core.store;
