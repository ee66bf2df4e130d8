package dev.sdfarm.converter.cli;

/** The documented exit codes of every sdfarm command. */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** Bad command line: unknown option, missing argument, output exists without --force. */
    public static final int USAGE = 1;
    /** Bad or unsafe input file: malformed, truncated, or a pickle that asks to run code. */
    public static final int BAD_INPUT = 2;
    /** {@code bulk}: some files failed; the others were converted. */
    public static final int PARTIAL_FAILURE = 3;
    /** {@code request-bulk}: the gateway failed (5xx, or an answer it should not give); a later try may work. */
    public static final int GATEWAY_FAILURE = 3;
    /** The environment failed us: disk full, permission denied, I/O error, missing object, unreachable gateway. */
    public static final int IO_ERROR = 4;
    /** A bug in sdfarm (an unexpected exception); the stack trace is printed. */
    public static final int INTERNAL_ERROR = 70;

    private ExitCodes() {
    }
}
