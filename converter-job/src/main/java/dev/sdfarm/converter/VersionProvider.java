package dev.sdfarm.converter;

import dev.sdfarm.checkpoint.SdfarmVersion;
import picocli.CommandLine.IVersionProvider;

/** Prints the product version for {@code --version}. */
public class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"sdfarm " + SdfarmVersion.VERSION};
    }
}
