/**
 * Python pickles as data: a restricted unpickler, the object model it produces, and a pickler for torch
 * state dicts.
 *
 * <h2>Reading</h2>
 * {@link dev.sdfarm.checkpoint.pickle.RestrictedUnpickler#load(byte[], dev.sdfarm.checkpoint.pickle.StorageResolver)}
 * reads protocol 0 to 5 pickles without executing anything: no class loading, no reflection, no call decided
 * by the file. Globals must be on the {@link dev.sdfarm.checkpoint.pickle.PickleAllowList}; each allowed global
 * has one fixed, data-building meaning. Anything else ends in a
 * {@link dev.sdfarm.checkpoint.UnsafeCheckpointException} (naming the global and the byte offset) or, for
 * malformed input, a {@link dev.sdfarm.checkpoint.CheckpointException}; resource use is bounded by
 * {@link dev.sdfarm.checkpoint.pickle.PickleLimits}.
 *
 * <h2>Object model</h2>
 * See {@link dev.sdfarm.checkpoint.pickle.PyValues} for how Python values map to Java: {@code Long}/
 * {@code BigInteger}, {@code Double}, {@code String}, {@code Boolean}, {@link dev.sdfarm.checkpoint.pickle.PyNone},
 * {@link dev.sdfarm.checkpoint.pickle.PyBytes}, {@link dev.sdfarm.checkpoint.pickle.PyTuple},
 * {@link dev.sdfarm.checkpoint.pickle.PyList}, {@link dev.sdfarm.checkpoint.pickle.PyDict},
 * {@link dev.sdfarm.checkpoint.pickle.PySet}, {@link dev.sdfarm.checkpoint.pickle.PyFrozenSet},
 * {@link dev.sdfarm.checkpoint.pickle.PyGlobal} tokens, numpy values
 * ({@link dev.sdfarm.checkpoint.pickle.NumpyDType}, {@link dev.sdfarm.checkpoint.pickle.NumpyScalar},
 * {@link dev.sdfarm.checkpoint.pickle.NumpyArray}), and tensors as {@link dev.sdfarm.checkpoint.StoredTensor}
 * leaves. Immutable values (tuples, bytes, frozensets, tokens) compare by value; lists, dicts and sets by
 * identity, as in Python. Graphs may share containers or contain cycles.
 *
 * <h2>Writing</h2>
 * {@link dev.sdfarm.checkpoint.pickle.TorchPickler} writes a graph with
 * {@link dev.sdfarm.checkpoint.OutputTensor} leaves as a protocol 2 pickle in {@code torch.save}'s layout.
 * {@link dev.sdfarm.checkpoint.pickle.WeightsOnlyCheck} lists values torch's {@code weights_only=True}
 * loader would refuse, so callers can drop or normalize them first.
 */
package dev.sdfarm.checkpoint.pickle;
