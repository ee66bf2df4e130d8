package dev.sdfarm.converter.cli;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Facts about the terminal the command runs in. */
public final class Terminal {
    private Terminal() {
    }

    /** Whether standard error is an interactive terminal (so progress bars make sense there). */
    public static boolean stderrIsTerminal() {
        if (System.getenv("SDFARM_PROGRESS") != null) {
            return !System.getenv("SDFARM_PROGRESS").equals("0");
        }
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle isatty = linker.downcallHandle(linker.defaultLookup().find("isatty").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) isatty.invokeExact(2) == 1;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Terminal width in columns ($COLUMNS), 100 when unknown. */
    public static int width() {
        try {
            int w = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100"));
            return Math.max(40, Math.min(w, 200));
        } catch (NumberFormatException e) {
            return 100;
        }
    }
}
