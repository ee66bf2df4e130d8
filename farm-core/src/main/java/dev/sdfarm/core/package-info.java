/**
 * The farm's shared contract between services: topic names, job and message records
 * ({@code dev.sdfarm.core.message}) and the object store for models and images ({@code dev.sdfarm.core.store}:
 * a local folder or an S3 bucket), and {@link dev.sdfarm.core.ModelTraits}, the words the model registry and
 * conversion results describe a checkpoint with. Services depend on this module, never on each other.
 */
package dev.sdfarm.core;
