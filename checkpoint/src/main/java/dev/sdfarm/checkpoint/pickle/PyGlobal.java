package dev.sdfarm.checkpoint.pickle;

/**
 * A class, function or module that a pickle named and the allow-list accepted, kept as an inert token:
 * for example the Lightning {@code ModelCheckpoint} class that serves as a dict key in a training
 * checkpoint's {@code callbacks}, or {@code torch.float16}. A token is never called or imported.
 *
 * @param module the Python module, as spelled in the pickle ({@code __builtin__} stays {@code __builtin__})
 * @param name   the attribute of the module
 */
public record PyGlobal(String module, String name) {
    public PyGlobal {
        if (module == null || name == null) {
            throw new NullPointerException("module and name are required");
        }
    }

    /** {@code module.name}. */
    public String qualifiedName() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
