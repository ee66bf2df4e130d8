package dev.sdfarm.checkpoint.torch;

import dev.sdfarm.checkpoint.StoredTensor;
import java.util.List;
import java.util.Map;

/**
 * What a torch archive holds, after the restricted unpickler rebuilt its object graph.
 *
 * <p>Tensor leaves in {@code root} carry their names: the dotted path from the state dict for tensors in it
 * (the same objects as in {@code tensors}), the dotted path from the root for others (such as optimizer state).
 * The containers of {@code root} are mutable (see {@link dev.sdfarm.checkpoint.pickle.PyDict}); {@code extras}
 * holds the same objects.
 *
 * @param root          the unpickled object graph; tensors appear in it as {@link StoredTensor} leaves
 * @param archiveName   the archive's top folder (the {@code <prefix>} of {@code <prefix>/data.pkl})
 * @param stateDictPath keys from the root to the state dict: {@code ["state_dict"]} for Lightning/LDM
 *                      checkpoints, empty when the root itself is the state dict
 * @param tensors       every tensor of the state dict, in pickle order, named by its key; tensors in nested
 *                      containers are named by the dotted path of keys and list indexes from the state dict
 * @param extras        top-level entries outside the state dict (training state such as
 *                      {@code optimizer_states}, {@code global_step}), by key, in pickle order
 * @param metadata      string metadata that sdfarm stored in a {@code sdfarm_metadata} entry, else empty
 */
public record TorchContents(
        Object root,
        String archiveName,
        List<String> stateDictPath,
        List<StoredTensor> tensors,
        Map<String, Object> extras,
        Map<String, String> metadata) {
}
