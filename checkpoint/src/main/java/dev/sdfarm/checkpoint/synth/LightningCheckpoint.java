package dev.sdfarm.checkpoint.synth;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.InMemoryTensorData;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.pickle.NumpyDType;
import dev.sdfarm.checkpoint.pickle.NumpyScalar;
import dev.sdfarm.checkpoint.pickle.PyBytes;
import dev.sdfarm.checkpoint.pickle.PyDict;
import dev.sdfarm.checkpoint.pickle.PyGlobal;
import dev.sdfarm.checkpoint.pickle.PyList;
import dev.sdfarm.checkpoint.pickle.PyNone;
import dev.sdfarm.checkpoint.pickle.PySet;
import dev.sdfarm.checkpoint.pickle.PyTuple;
import dev.sdfarm.checkpoint.torch.TorchArchiveWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A state dict saved as a PyTorch Lightning training run saves it (the original SD1.x release files look
 * like this): {@code {"state_dict": ..., "epoch", "global_step", "pytorch-lightning_version", "callbacks",
 * "optimizer_states", "lr_schedulers"}}, with the {@code ModelCheckpoint} class as a callbacks key and a numpy
 * scalar as its best score.
 */
final class LightningCheckpoint {
    private LightningCheckpoint() {
    }

    static void write(List<OutputTensor> tensors, boolean trainingState, long seed, ByteSink sink) throws IOException {
        PyDict root = PyDict.dict();
        root.put("state_dict", TorchArchiveWriter.stateDict(tensors));
        if (!trainingState) {
            new TorchArchiveWriter().write(root, sink);
            return;
        }
        root.put("epoch", 6L);
        root.put("global_step", 470_000L + (seed & 0xffff));
        root.put("pytorch-lightning_version", "1.4.2");

        PyDict checkpointState = PyDict.dict();
        checkpointState.put("monitor", PyNone.NONE);
        byte[] score = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1342).array();
        checkpointState.put("best_model_score", new NumpyScalar(new NumpyDType("f8", '<'), PyBytes.of(score)));
        checkpointState.put("best_model_path", "/fsx/stable-diffusion/logs/checkpoints/last.ckpt");
        checkpointState.put("current_score", PyNone.NONE);
        checkpointState.put("dirpath", "/fsx/stable-diffusion/logs/checkpoints");
        PySet saveKeys = new PySet();
        saveKeys.add("last.ckpt");
        checkpointState.put("saved_files", saveKeys);
        PyDict callbacks = PyDict.dict();
        callbacks.put(new PyGlobal("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint"), checkpointState);
        root.put("callbacks", callbacks);

        PyDict group = PyDict.dict();
        group.put("lr", 1.0e-4);
        group.put("betas", PyTuple.of(0.9, 0.999));
        group.put("eps", 1.0e-8);
        group.put("weight_decay", 0.01);
        group.put("amsgrad", Boolean.FALSE);
        group.put("params", new PyList(List.of(0L, 1L)));
        PyDict state = PyDict.dict();
        byte[] step = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(470_000f).array();
        PyDict slot = PyDict.dict();
        slot.put("step", InMemoryTensorData.tensor("optimizer.step", DType.F32, new long[] {}, step));
        slot.put("exp_avg", InMemoryTensorData.tensor("optimizer.exp_avg", DType.F32, new long[] {4}, new byte[16]));
        state.put(0L, slot);
        PyDict optimizer = PyDict.dict();
        optimizer.put("state", state);
        optimizer.put("param_groups", new PyList(List.of(group)));
        root.put("optimizer_states", new PyList(List.of(optimizer)));

        PyDict scheduler = PyDict.dict();
        scheduler.put("last_epoch", 470_000L);
        scheduler.put("base_lrs", new PyList(List.of(1.0e-4)));
        PyDict schedulerEntry = PyDict.dict();
        schedulerEntry.put("scheduler", scheduler);
        schedulerEntry.put("interval", "step");
        root.put("lr_schedulers", new PyList(List.of(schedulerEntry)));
        new TorchArchiveWriter().writeTrainingState(root, sink);
    }
}
