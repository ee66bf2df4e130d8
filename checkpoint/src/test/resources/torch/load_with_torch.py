"""Loads archives with real torch and prints what it sees, one JSON object per line.

Usage: /usr/bin/python3 load_with_torch.py [--full] PATH...

By default each file is loaded with torch.load(path, weights_only=True), as a cautious user would;
--full loads with the regular unpickler (for archives holding values only newer torch accepts as
weights-only). For each file: the tensors of the state dict (root["state_dict"] if it is a dict, else
the root) by dotted key path, with dtype, shape, stride, storage offset, a storage group (tensors
sharing a storage share a group) and the sha256 of their contiguous bytes; the zip entries; and a few
plain values.
"""
import hashlib
import json
import sys
import zipfile

import torch


def segment(key):
    if isinstance(key, bool):
        return "True" if key else "False"
    return str(key)


def flatten(obj, path, out, seen):
    if isinstance(obj, torch.Tensor):
        out.append((path, obj))
        return
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        items = obj.items() if isinstance(obj, dict) else enumerate(obj)
        for k, v in items:
            flatten(v, segment(k) if not path else path + "." + segment(k), out, seen)


def contiguous_bytes(t):
    x = t.detach().clone().contiguous()
    if x.dtype == torch.bfloat16:
        x = x.view(torch.int16)
    return x.numpy().tobytes()


def plain(v):
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {segment(k): plain(x) for k, x in v.items()}
    return repr(type(v))


def describe(path, weights_only):
    obj = torch.load(path, weights_only=weights_only)
    sd = obj["state_dict"] if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict) else obj
    tensors = []
    seen = set()
    if sd is obj and isinstance(obj, dict):
        seen.add(id(obj))
        for k, v in obj.items():
            if k != "sdfarm_metadata":
                flatten(v, segment(k), tensors, seen)
    else:
        flatten(sd, "", tensors, seen)
    groups = {}
    out = []
    for name, t in tensors:
        group = groups.setdefault(t.storage()._cdata, len(groups))
        out.append({"name": name, "dtype": str(t.dtype), "shape": list(t.shape), "stride": list(t.stride()),
                    "storage_offset": t.storage_offset(), "storage_group": group,
                    "sha256": hashlib.sha256(contiguous_bytes(t)).hexdigest()})
    others = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not isinstance(v, torch.Tensor) and k != "state_dict":
                others[segment(k)] = plain(v)
    meta = getattr(sd, "_metadata", None)
    with zipfile.ZipFile(path) as z:
        entries = [[i.filename, i.file_size, i.compress_type] for i in z.infolist()]
        bad = z.testzip()
    return {"path": path, "tensors": out, "others": others, "metadata_attr": plain(meta),
            "entries": entries, "crc_ok": bad is None}


def main():
    weights_only = True
    for arg in sys.argv[1:]:
        if arg == "--full":
            weights_only = False
            continue
        print(json.dumps(describe(arg, weights_only)), flush=True)


if __name__ == "__main__":
    main()
