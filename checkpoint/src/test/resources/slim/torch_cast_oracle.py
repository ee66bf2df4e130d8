"""Independent reference for sdfarm's precision conversion: loads a checkpoint with PyTorch, casts every
floating-point tensor of the state dict with torch itself, and prints one JSON object mapping each tensor
name to the sha256 of its cast, contiguous bytes.

Usage: /usr/bin/python3 torch_cast_oracle.py PATH {half|bfloat16|float}

.ckpt files are loaded with torch.load (Lightning's ModelCheckpoint class is stubbed so the pickle resolves);
.safetensors files are parsed here from the format specification (torch 1.13 has no safetensors reader).
"""
import hashlib
import json
import struct
import sys
import types

import numpy as np
import torch


def stub_lightning():
    names = ["pytorch_lightning", "pytorch_lightning.callbacks", "pytorch_lightning.callbacks.model_checkpoint"]
    for n in names:
        sys.modules.setdefault(n, types.ModuleType(n))

    class ModelCheckpoint:
        pass

    sys.modules["pytorch_lightning.callbacks.model_checkpoint"].ModelCheckpoint = ModelCheckpoint


DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
          "BOOL": torch.bool}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = bytearray(data[8 + n + begin:8 + n + end])
        dtype = DTYPES[info["dtype"]]
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(info["shape"])
    return out


def main():
    path, op = sys.argv[1], sys.argv[2]
    if path.endswith(".safetensors"):
        sd = load_safetensors(path)
    else:
        stub_lightning()
        obj = torch.load(path, map_location="cpu")
        sd = obj["state_dict"] if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict) else obj
    result = {}
    for name, t in sd.items():
        if not isinstance(t, torch.Tensor):
            continue
        if t.is_floating_point():
            t = getattr(t, op)()
        raw = t.contiguous().numpy().tobytes() if t.dtype != torch.bfloat16 else \
            t.contiguous().view(torch.int16).numpy().tobytes()
        result[name] = hashlib.sha256(raw).hexdigest()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
