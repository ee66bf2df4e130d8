/**
 * The safetensors format: {@link dev.sdfarm.checkpoint.safetensors.SafetensorsReader} validates headers
 * strictly (the tensor bytes are then read zero-copy through {@link dev.sdfarm.checkpoint.Checkpoint});
 * {@link dev.sdfarm.checkpoint.safetensors.SafetensorsWriter} streams deterministic files.
 */
package dev.sdfarm.checkpoint.safetensors;
