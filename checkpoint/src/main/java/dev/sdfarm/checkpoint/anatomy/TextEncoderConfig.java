package dev.sdfarm.checkpoint.anatomy;

/** A text encoder architecture: Hugging Face {@code CLIPTextModel} or the OpenCLIP text transformer. */
public sealed interface TextEncoderConfig permits ClipTextConfig, OpenClipTextConfig {

    /** Width of the hidden states the UNet cross-attends to. */
    int hiddenSize();

    /** The encoder's tensors, named as its own {@code state_dict()} names them (no checkpoint prefix). */
    TensorLayout layout();
}
