package dev.sdfarm.checkpoint;

/** The container formats sdfarm reads and writes. */
public enum CheckpointFormat {
    /** Hugging Face safetensors: 8-byte header length, JSON header, raw tensor bytes. */
    SAFETENSORS("safetensors"),
    /** torch.save zip archive ({@code .ckpt}, {@code .pt}, {@code .pth}, {@code .bin}) with a pickled object graph. */
    TORCH_ZIP("ckpt");

    private final String extension;

    CheckpointFormat(String extension) {
        this.extension = extension;
    }

    /** The usual file extension, without the dot. */
    public String extension() {
        return extension;
    }
}
