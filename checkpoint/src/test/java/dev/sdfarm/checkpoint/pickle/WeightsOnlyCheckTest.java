package dev.sdfarm.checkpoint.pickle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.OutputTensor;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeightsOnlyCheckTest {

    @Test
    void findsEverythingInALightningCheckpointThatWeightsOnlyLoadingWouldRefuse() throws IOException {
        Object root = TestStorages.load(PickleFuzzTest.dataPkl("ldm_style.ckpt"));
        List<String> findings = WeightsOnlyCheck.check(root).stream()
                .filter(f -> f.issue() != WeightsOnlyCheck.Issue.FILE_TENSOR)
                .map(f -> f.path() + " " + f.issue())
                .toList();
        assertEquals(List.of(
                "callbacks.pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint[key] CLASS_TOKEN",
                "callbacks.pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint.best_model_score NUMPY",
                "callbacks.pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint.kth_values NUMPY",
                "optimizer_states.0.param_groups.0.lr FLOAT",
                "optimizer_states.0.param_groups.0.betas.0 FLOAT",
                "optimizer_states.0.param_groups.0.betas.1 FLOAT",
                "optimizer_states.0.param_groups.0.eps FLOAT",
                "optimizer_states.0.param_groups.0.weight_decay FLOAT",
                "tags SET"), findings);
        // Tensors read from a file have to be mapped to output tensors before writing.
        assertTrue(WeightsOnlyCheck.check(root).stream().anyMatch(f -> f.issue() == WeightsOnlyCheck.Issue.FILE_TENSOR
                && f.path().equals("state_dict.model.diffusion_model.steps")));
    }

    @Test
    void acceptsAPlainStateDictOfOutputTensors() {
        PyDict sd = PyDict.orderedDict();
        sd.put("w", OutputTensor.whole("w", new long[] {2}, TorchPicklerTest.storage("w", DType.BF16, 2)));
        sd.put("steps", 3L);
        sd.put("dtype", new PyGlobal("torch", "float16"));
        assertTrue(WeightsOnlyCheck.isWeightsOnlySafe(sd));
    }

    @Test
    void flagsDtypesTorch113CannotStoreOrName() {
        PyDict sd = PyDict.orderedDict();
        sd.put("f8", OutputTensor.whole("f8", new long[] {2}, TorchPicklerTest.storage("f8", DType.F8_E4M3FN, 2)));
        sd.put("dtype", new PyGlobal("torch", "bfloat16"));
        assertEquals(List.of(WeightsOnlyCheck.Issue.UNSUPPORTED_DTYPE, WeightsOnlyCheck.Issue.DTYPE_TOKEN),
                WeightsOnlyCheck.check(sd).stream().map(WeightsOnlyCheck.Finding::issue).toList());
    }

    @Test
    void copesWithCyclesAndDeepNesting() {
        PyList cyclic = new PyList();
        cyclic.add(cyclic);
        assertTrue(WeightsOnlyCheck.isWeightsOnlySafe(cyclic));
        PyList deep = new PyList();
        PyList cur = deep;
        for (int i = 0; i < 10_000; i++) {
            PyList next = new PyList();
            cur.add(next);
            cur = next;
        }
        assertEquals(WeightsOnlyCheck.Issue.TOO_DEEP, WeightsOnlyCheck.check(deep).get(0).issue());
    }
}
