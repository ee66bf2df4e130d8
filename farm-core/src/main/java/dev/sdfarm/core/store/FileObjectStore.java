package dev.sdfarm.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * An object store in a local folder: key {@code a/b.png} is the file {@code ROOT/a/b.png}. Objects are written
 * to a hidden temporary file in the same folder, synced, and renamed over the target, which POSIX makes atomic
 * ({@link AtomicFiles}). Keys cannot start a segment with '.', so the temporary files are never listed or served.
 */
public final class FileObjectStore implements ObjectStore {
    private final Path root;

    public FileObjectStore(Path root) throws IOException {
        this.root = Files.createDirectories(root.toAbsolutePath().normalize());
    }

    public Path root() {
        return root;
    }

    /** The file behind {@code key} (which need not exist). */
    public Path pathOf(String key) {
        return root.resolve(ObjectKeys.require(key));
    }

    @Override
    public ObjectInfo put(String key, byte[] bytes) throws IOException {
        Path target = pathOf(key);
        AtomicFiles.replace(target, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW)) {
                out.write(bytes);
            }
        });
        return info(key, Files.readAttributes(target, BasicFileAttributes.class));
    }

    @Override
    public ObjectInfo put(String key, Path file) throws IOException {
        Path target = pathOf(key);
        AtomicFiles.replace(target, tmp -> Files.copy(file, tmp));
        return info(key, Files.readAttributes(target, BasicFileAttributes.class));
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        Path p = pathOf(key);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.isRegularFile() ? Optional.of(info(key, a)) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        Path p = pathOf(key);
        if (!Files.isRegularFile(p)) {
            throw new NoSuchObjectException(describe(), key);
        }
        return Files.newInputStream(p);
    }

    @Override
    public void download(String key, Path target) throws IOException {
        Path source = pathOf(key);
        if (!Files.isRegularFile(source)) {
            throw new NoSuchObjectException(describe(), key);
        }
        AtomicFiles.replace(target, tmp -> Files.copy(source, tmp));
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        String p = ObjectKeys.requirePrefix(prefix);
        Path dir = p.isEmpty() ? root : root.resolve(p);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<ObjectInfo> out = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                return !d.equals(dir) && d.getFileName().toString().startsWith(".")
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !f.getFileName().toString().startsWith(".")) {
                    out.add(info(root.relativize(f).toString().replace('\\', '/'), attrs));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        out.sort(Comparator.comparing(ObjectInfo::key));
        return out;
    }

    @Override
    public boolean delete(String key) throws IOException {
        return Files.deleteIfExists(pathOf(key));
    }

    @Override
    public String describe() {
        return "file store " + root;
    }

    private static ObjectInfo info(String key, BasicFileAttributes a) {
        return new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant());
    }
}
