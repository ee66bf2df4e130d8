/**
 * torch zip archives ({@code torch.save} since PyTorch 1.6): reading them safely and writing them.
 *
 * <ul>
 *   <li>{@link dev.sdfarm.checkpoint.torch.TorchArchiveReader#read(java.nio.channels.FileChannel, long)} parses
 *       the zip directory (ZIP64 included), unpickles {@code data.pkl} with the restricted unpickler and
 *       returns {@link dev.sdfarm.checkpoint.torch.TorchContents}: the object graph, the state dict's tensors
 *       as zero-copy views at absolute file offsets, training extras and sdfarm metadata.</li>
 *   <li>{@link dev.sdfarm.checkpoint.torch.TorchArchiveWriter#write(Object, dev.sdfarm.checkpoint.ByteSink)}
 *       streams an archive that {@code torch.load(f, weights_only=True)} loads, writing each shared storage
 *       once, 64-byte aligned.</li>
 * </ul>
 */
package dev.sdfarm.checkpoint.torch;
