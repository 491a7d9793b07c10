package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the Recover example and the native loader as a user would: in a fresh JVM. */
class ExampleTest {
    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "50", "--rate-limit-per-minute", "0");

    /** How a child JVM ended: exit status, stdout, stderr. */
    static final class Run {
        private final int exit;
        private final String out;
        private final String err;

        Run(int exit, String out, String err) {
            this.exit = exit;
            this.out = out;
            this.err = err;
        }

        int exit() {
            return exit;
        }

        String out() {
            return out;
        }

        String err() {
            return err;
        }
    }

    static Path classes() throws Exception {
        return location(WxRecoverClient.class);
    }

    /** The class-path entry (folder or jar) a class was loaded from. */
    static Path location(Class<?> c) throws Exception {
        return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /**
     * The class path a user of the binding has: our classes and slf4j-api, the binding's one
     * dependency (no SLF4J provider).
     */
    static String userClasspath(Path classes) throws Exception {
        return classes + File.pathSeparator + location(org.slf4j.LoggerFactory.class);
    }

    static Run java(List<String> jvmArgs, String mainClass, String... args) throws Exception {
        return java(userClasspath(classes()), jvmArgs, mainClass, args);
    }

    static Run java(String classpath, List<String> jvmArgs, String mainClass, String... args)
            throws Exception {
        return java(classpath, jvmArgs, false, mainClass, args);
    }

    /** {@code withoutLogEnv}: the child does not inherit WX_RECOVER_LOG / WX_RECOVER_LOG_FILE. */
    static Run java(String classpath, List<String> jvmArgs, boolean withoutLogEnv,
            String mainClass, String... args) throws Exception {
        String javaBin = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        cmd.addAll(jvmArgs);
        cmd.addAll(Arrays.asList("-cp", classpath, mainClass));
        cmd.addAll(Arrays.asList(args));
        File out = File.createTempFile("wx-example", ".out");
        File err = File.createTempFile("wx-example", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err);
            if (withoutLogEnv) {
                pb.environment().remove("WX_RECOVER_LOG");
                pb.environment().remove("WX_RECOVER_LOG_FILE");
            }
            Process p = pb.start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("example did not finish: " + cmd);
            }
            return new Run(p.exitValue(),
                    new String(Files.readAllBytes(out.toPath()), StandardCharsets.UTF_8),
                    new String(Files.readAllBytes(err.toPath()), StandardCharsets.UTF_8));
        } finally {
            out.delete();
            err.delete();
        }
    }

    /** The glue as the native build left it, outside the classes (for the override). */
    static String jniPath() {
        return Paths.get(System.getProperty("wx.test.native.dir"), Native.FILE_NAME).toString();
    }

    @Test
    void exampleRecoversWithNoFlagLoadingTheGlueFromTheClasspath() throws Exception {
        Sandbox.Order o = sb.takeOrder(true);
        String no = Sandbox.newOutRequestNo();
        Run r = java(none(), "io.wxrecover.examples.Recover", sb.clientConfigPath().toString(),
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
        Run failed = java(none(), "io.wxrecover.examples.Recover",
                sb.clientConfigPath().toString(), Sandbox.newOutRequestNo(), o.webankNo(),
                o.wxpayNo(), o.mchid(), o.balAccountNo());
        assertEquals(1, failed.exit(), failed.out() + failed.err());
        assertTrue(failed.out().contains("LEDGER_STATE_ABNORMAL"), failed.out());

        Run bad = java(none(), "io.wxrecover.examples.Recover",
                sb.clientConfigPath().toString(), o.webankNo(), o.webankNo(), o.wxpayNo(),
                o.mchid(), o.balAccountNo());
        assertEquals(3, bad.exit(), bad.out() + bad.err());
        assertTrue(bad.err().contains("out_request_no"), bad.err());

        Run usage = java(none(), "io.wxrecover.examples.Recover");
        assertEquals(2, usage.exit());
    }

    @Test
    void thePathPropertyOverridesTheBundledGlue() throws Exception {
        Run missing = java(
                Collections.singletonList("-D" + Native.PATH_PROPERTY + "=/nonexistent/libwx_recover_jni.so"),
                "io.wxrecover.examples.Recover", "c", "a", "b", "c", "d", "e");
        assertNotEquals(0, missing.exit());
        assertTrue(missing.err().contains("UnsatisfiedLinkError"), missing.err());
        assertTrue(missing.err().contains("wx.recover.jni.path=/nonexistent/libwx_recover_jni.so"),
                missing.err());

        Sandbox.Order o = sb.takeOrder(true);
        Run r = java(Collections.singletonList("-D" + Native.PATH_PROPERTY + "=" + jniPath()),
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
                if (rel.startsWith(Paths.get("io", "wxrecover", "native"))) {
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
        String bare = userClasspath(classesWithoutNatives());
        Run viaPath = java(bare, Collections.singletonList("-Djava.library.path=/nonexistent-dir"),
                "io.wxrecover.examples.Recover", "c", "a", "b", "c", "d", "e");
        assertNotEquals(0, viaPath.exit());
        assertTrue(viaPath.err().contains("carries no JNI glue for " + Native.platform()), viaPath.err());
        assertTrue(viaPath.err().contains("java.library.path=/nonexistent-dir"), viaPath.err());
        assertTrue(viaPath.err().contains("wx.recover.jni.path"), viaPath.err());

        Sandbox.Order o = sb.takeOrder(true);
        Run viaDir = java(bare,
                Collections.singletonList("-Djava.library.path=" + Paths.get(jniPath()).getParent()),
                "io.wxrecover.examples.Recover", sb.clientConfigPath().toString(),
                Sandbox.newOutRequestNo(), o.webankNo(), o.wxpayNo(), o.mchid(), o.balAccountNo());
        assertEquals(0, viaDir.exit(), viaDir.out() + viaDir.err());
    }

    /**
     * A user's JVM with slf4j-api but no SLF4J provider: the library prints nothing of its own,
     * even with every level forced on; the only other output is SLF4J's own notice that it
     * fell back to its no-op logger (documented in the README).
     */
    @Test
    void withoutAnSlf4jProviderTheLibraryPrintsNothing() throws Exception {
        Path testClasses = location(SilentMain.class);
        Sandbox.Order o = sb.takeOrder(true);
        Run r = java(userClasspath(classes()) + File.pathSeparator + testClasses, none(), true,
                SilentMain.class.getName(), sb.clientConfigPath().toString(), o.webankNo(),
                o.wxpayNo(), o.mchid(), o.balAccountNo());
        String all = r.out() + r.err();
        assertEquals(0, r.exit(), all);
        List<String> out = lines(r.out());
        assertEquals(Arrays.asList(SilentMain.PREFIX + "level at creation OFF",
                SilentMain.PREFIX + "level set to TRACE", SilentMain.PREFIX + "accepted",
                SilentMain.PREFIX + "refused ALREADY_EXISTS", SilentMain.PREFIX + "queried"),
                out, all);
        List<String> err = lines(r.err());
        for (String line : err) {
            assertTrue(line.startsWith("SLF4J: "), "a line that is not SLF4J's notice: " + all);
            assertFalse(line.contains("Request-ID") || line.contains("attempt"), all);
        }
        assertTrue(r.err().contains("SLF4J: Defaulting to no-operation (NOP) logger implementation"),
                "SLF4J's no-provider notice, as the README quotes it: " + all);
    }

    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                out.add(line);
            }
        }
        return out;
    }

    private static List<String> none() {
        return Collections.emptyList();
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
