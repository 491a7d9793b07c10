package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs the Recover example and the native loader as a user would: in a fresh JVM. */
class ExampleTest {
    static Sandbox sb;

    @BeforeAll
    static void start() throws Exception {
        sb = Sandbox.start("--orders", "50", "--rate-limit-per-minute", "0");
    }

    @AfterAll
    static void stop() throws Exception {
        if (sb != null) {
            sb.close();
        }
    }

    record Run(int exit, String out, String err) {}

    static Path classes() throws Exception {
        return Path.of(WxRecoverClient.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI());
    }

    static Run java(List<String> jvmArgs, String mainClass, String... args) throws Exception {
        return java(classes(), jvmArgs, mainClass, args);
    }

    static Run java(Path classpath, List<String> jvmArgs, String mainClass, String... args)
            throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", classpath.toString(), mainClass));
        cmd.addAll(List.of(args));
        File out = File.createTempFile("wx-example", ".out");
        File err = File.createTempFile("wx-example", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("example did not finish: " + cmd);
            }
            return new Run(p.exitValue(),
                    java.nio.file.Files.readString(out.toPath(), StandardCharsets.UTF_8),
                    java.nio.file.Files.readString(err.toPath(), StandardCharsets.UTF_8));
        } finally {
            out.delete();
            err.delete();
        }
    }

    /** The glue as the native build left it, outside the classes (for the override). */
    static String jniPath() {
        return Path.of(System.getProperty("wx.test.native.dir"), Native.FILE_NAME).toString();
    }

    @Test
    void exampleRecoversWithNoFlagLoadingTheGlueFromTheClasspath() throws Exception {
        Sandbox.Order o = sb.takeOrder(true);
        String no = Sandbox.newOutRequestNo();
        Run r = java(List.of(), "io.wxrecover.examples.Recover", sb.clientConfigPath().toString(),
                no, o.webankNo(), o.wxpayNo(), o.mchid(), o.balAccountNo(), "示例 😀");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("wxpay_recover_no="), r.out());
        assertTrue(r.out().contains("Request-ID="), r.out());
        assertTrue(r.out().contains("state: SUCCESS"), r.out());
        assertTrue(!r.out().contains(o.balAccountNo()) && !r.err().contains(o.balAccountNo()),
                "the ledger id is never printed");
    }

    @Test
    void exampleExitsNonZeroOnFailedOutcomeAndOnError() throws Exception {
        Sandbox.Order o = sb.takeOrder(false);
        Run failed = java(List.of(), "io.wxrecover.examples.Recover",
                sb.clientConfigPath().toString(), Sandbox.newOutRequestNo(), o.webankNo(),
                o.wxpayNo(), o.mchid(), o.balAccountNo());
        assertEquals(1, failed.exit(), failed.out() + failed.err());
        assertTrue(failed.out().contains("LEDGER_STATE_ABNORMAL"), failed.out());

        Run bad = java(List.of(), "io.wxrecover.examples.Recover",
                sb.clientConfigPath().toString(), o.webankNo(), o.webankNo(), o.wxpayNo(),
                o.mchid(), o.balAccountNo());
        assertEquals(3, bad.exit(), bad.out() + bad.err());
        assertTrue(bad.err().contains("out_request_no"), bad.err());

        Run usage = java(List.of(), "io.wxrecover.examples.Recover");
        assertEquals(2, usage.exit());
    }

    @Test
    void thePathPropertyOverridesTheBundledGlue() throws Exception {
        Run missing = java(List.of("-D" + Native.PATH_PROPERTY + "=/nonexistent/libwx_recover_jni.so"),
                "io.wxrecover.examples.Recover", "c", "a", "b", "c", "d", "e");
        assertNotEquals(0, missing.exit());
        assertTrue(missing.err().contains("UnsatisfiedLinkError"), missing.err());
        assertTrue(missing.err().contains("wx.recover.jni.path=/nonexistent/libwx_recover_jni.so"),
                missing.err());

        Sandbox.Order o = sb.takeOrder(true);
        Run r = java(List.of("-D" + Native.PATH_PROPERTY + "=" + jniPath()),
                "io.wxrecover.examples.Recover", sb.clientConfigPath().toString(),
                Sandbox.newOutRequestNo(), o.webankNo(), o.wxpayNo(), o.mchid(), o.balAccountNo());
        assertEquals(0, r.exit(), r.out() + r.err());
    }

    /** The classes without their natives: what a jar built for no platform of ours looks like. */
    static Path classesWithoutNatives() throws Exception {
        Path src = classes();
        Path dst = Files.createTempDirectory("wx-classes-");
        try (Stream<Path> all = Files.walk(src)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path rel = src.relativize(p);
                if (rel.startsWith(Path.of("io", "wxrecover", "native"))) {
                    continue;
                }
                Path to = dst.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return dst;
    }

    @Test
    void withoutBundledGlueTheErrorNamesEveryWayAndJavaLibraryPathWorks() throws Exception {
        Path bare = classesWithoutNatives();
        Run viaPath = java(bare, List.of("-Djava.library.path=/nonexistent-dir"),
                "io.wxrecover.examples.Recover", "c", "a", "b", "c", "d", "e");
        assertNotEquals(0, viaPath.exit());
        assertTrue(viaPath.err().contains("carries no JNI glue for " + Native.platform()), viaPath.err());
        assertTrue(viaPath.err().contains("java.library.path=/nonexistent-dir"), viaPath.err());
        assertTrue(viaPath.err().contains("wx.recover.jni.path"), viaPath.err());

        Sandbox.Order o = sb.takeOrder(true);
        Run viaDir = java(bare, List.of("-Djava.library.path=" + Path.of(jniPath()).getParent()),
                "io.wxrecover.examples.Recover", sb.clientConfigPath().toString(),
                Sandbox.newOutRequestNo(), o.webankNo(), o.wxpayNo(), o.mchid(), o.balAccountNo());
        assertEquals(0, viaDir.exit(), viaDir.out() + viaDir.err());
    }

    @Test
    void theBundledGlueWasExtractedOwnerOnlyAndNothingIsLeftBehind() {
        // This JVM loaded the glue the default way (the surefire run sets no property).
        assertEquals("jar:" + Native.RESOURCE_ROOT + Native.platform() + "/" + Native.FILE_NAME,
                Native.loadedFrom);
        assertEquals(PosixFilePermissions.fromString("rwx------"), Native.extractedDirPermissions);
        assertEquals(PosixFilePermissions.fromString("r-x------"), Native.extractedFilePermissions);
        assertTrue(Native.extractedDir.isAbsolute(), Native.extractedDir.toString());
        assertTrue(Files.notExists(Native.extractedDir), "the extracted copy is deleted once loaded");
    }
}
