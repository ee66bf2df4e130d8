package dev.sdfarm.checkpoint.torch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the system Python with PyTorch (an independent reference implementation) from tests. */
public final class PythonTorch {
    /** PyTorch is installed for the system Python, not for whatever python3 comes first on PATH. */
    public static final Path PYTHON = Path.of("/usr/bin/python3");
    public static final String SKIP_MESSAGE = PYTHON + " cannot import torch; skipping the check against real torch.load";

    private static Boolean available;

    private PythonTorch() {
    }

    public static synchronized boolean available() {
        if (available == null) {
            try {
                available = Files.isExecutable(PYTHON) && run(List.of("-c", "import torch"), 120).exitCode == 0;
            } catch (IOException e) {
                available = false;
            }
        }
        return available;
    }

    public record Result(int exitCode, String stdout, String stderr) {
        public List<String> lines() {
            return stdout.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    public static Result run(List<String> args, int timeoutSeconds) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(PYTHON.toString());
        cmd.addAll(args);
        Path err = Files.createTempFile("python-stderr", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("python timed out: " + cmd);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** Path of a test resource script on disk. */
    static Path script(String name) {
        return TorchFixtures.path(name);
    }
}
