package dev.sdfarm.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Loopback port and log file helpers. */
final class Ports {
    private Ports() {}

    /** A port that was free on 127.0.0.1 a moment ago. */
    static int free() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** Logs are appended at every start; past {@value #LOG_ROTATE_BYTES} bytes the old one becomes {@code NAME.1}. */
    static final long LOG_ROTATE_BYTES = 16L << 20;

    static void rotateLog(java.nio.file.Path log) throws IOException {
        if (java.nio.file.Files.isRegularFile(log) && java.nio.file.Files.size(log) > LOG_ROTATE_BYTES) {
            java.nio.file.Files.move(log, log.resolveSibling(log.getFileName() + ".1"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Whether something accepts connections on 127.0.0.1:port. */
    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 250);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
