package dev.sdfarm.converter.cli;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.io.OutputExistsException;
import dev.sdfarm.diffusion.ModelLoadException;
import dev.sdfarm.diffusion.image.PngFormatException;
import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Configures picocli for sdfarm's contract: usage errors exit 1 with a one-line hint, bad input exits 2 with
 * the file, location and fix, I/O failures exit 4; no stack trace for anything but a bug.
 */
@ApplicationScoped
public class CommandLineSetup {

    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        CommandLine cl = factory.create();
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(CommandLineSetup::usageError);
        cl.setExecutionExceptionHandler(CommandLineSetup::executionError);
        return cl;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("sdfarm: " + e.getMessage());
        String name = cmd.getCommandSpec().qualifiedName();
        err.println("Try '" + name + " --help' for usage.");
        return ExitCodes.USAGE;
    }

    private static int executionError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        err.println("sdfarm: " + message(e));
        return exitCode(e);
    }

    /** The one-line message for a failure, without stack trace for user errors. */
    public static String message(Throwable e) {
        if (e instanceof CheckpointException ce) {
            return ce.userMessage();
        }
        if (e instanceof ModelLoadException || e instanceof PngFormatException) {
            return e.getMessage();
        }
        if (e instanceof OutputExistsException oe) {
            return oe.getMessage();
        }
        if (e instanceof UsageException) {
            return e.getMessage();
        }
        if (e instanceof IOException || e instanceof UncheckedIOException) {
            return describeIo(e);
        }
        StringBuilder sb = new StringBuilder("internal error (please report it): ");
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return sb.append(w).toString();
    }

    public static int exitCode(Throwable e) {
        if (e instanceof CheckpointException || e instanceof ModelLoadException || e instanceof PngFormatException) {
            return ExitCodes.BAD_INPUT;
        }
        if (e instanceof OutputExistsException || e instanceof UsageException) {
            return ExitCodes.USAGE;
        }
        if (e instanceof IOException || e instanceof UncheckedIOException) {
            return ExitCodes.IO_ERROR;
        }
        return ExitCodes.INTERNAL_ERROR;
    }

    private static String describeIo(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        String kind = switch (t) {
            case java.nio.file.NoSuchFileException n -> "no such file: " + n.getFile();
            case java.nio.file.AccessDeniedException a -> "permission denied: " + a.getFile();
            case java.nio.file.FileSystemException f -> f.getFile() + ": " + f.getReason();
            default -> t.getMessage();
        };
        return kind;
    }
}
