package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The binding runs on Java 8: its classes must be Java 8 class files (major version 52). */
class ClassFileVersionTest {
    static final int JAVA_8_MAJOR = 52;

    /** A class file's major version, from its first 8 bytes: magic, minor, major. */
    static int majorVersion(Path classFile) throws Exception {
        try (InputStream raw = Files.newInputStream(classFile)) {
            DataInputStream in = new DataInputStream(raw);
            assertEquals(0xCAFEBABE, in.readInt(), classFile + ": not a class file");
            in.readUnsignedShort(); // minor
            return in.readUnsignedShort();
        }
    }

    /** Every .class file under the class-path folder that {@code c} was loaded from. */
    static List<Path> classFiles(Class<?> c) throws Exception {
        Path root = Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(root), "expected the classes folder, got " + root);
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList());
        }
    }

    @Test
    void mainClassesAreJava8ClassFiles() throws Exception {
        List<Path> files = classFiles(WxRecoverClient.class);
        // The API, its nested classes and the example, at least.
        assertTrue(files.size() >= 15, files.toString());
        assertTrue(files.stream().anyMatch(p -> p.endsWith("WxRecoverClient.class")), files.toString());
        for (Path f : files) {
            assertEquals(JAVA_8_MAJOR, majorVersion(f), f.toString());
        }
    }

    @Test
    void testClassesAreJava8ClassFilesToo() throws Exception {
        List<Path> files = classFiles(ClassFileVersionTest.class);
        assertTrue(files.stream().anyMatch(p -> p.endsWith("ClassFileVersionTest.class")),
                files.toString());
        for (Path f : files) {
            assertEquals(JAVA_8_MAJOR, majorVersion(f), f.toString());
        }
    }
}
