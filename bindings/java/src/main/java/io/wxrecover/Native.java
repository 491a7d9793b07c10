package io.wxrecover;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;

/**
 * The JNI surface: one native method per C ABI function, strings as UTF-8 {@code byte[]}
 * (never JNI's modified UTF-8), handles as {@code long}. The glue in {@code src/main/native/}
 * (one C file per family of calls) only converts; ownership is handled by the callers in this
 * package (every handle returned here is freed in a {@code finally}).
 *
 * <p>Fallible calls throw {@link WxRecoverException}, built by the glue from the C error
 * object through {@link WxRecoverException#fromNative}.
 */
final class Native {
    /** System property naming the full path of a libwx_recover_jni.so to load instead. */
    static final String PATH_PROPERTY = "wx.recover.jni.path";

    static final String LIBRARY_NAME = "wx_recover_jni";

    static final String FILE_NAME = "lib" + LIBRARY_NAME + ".so";

    /** The jar's folder of natives, one subfolder per platform ({@code linux-x86_64}). */
    static final String RESOURCE_ROOT = "/io/wxrecover/native/";

    /** Where the glue was loaded from, for tests and error reports. */
    static volatile String loadedFrom;

    /** The private folder the bundled glue was extracted to (deleted once loaded), or null. */
    static volatile Path extractedDir;

    /** The permissions that folder and the file had when the glue was loaded from them. */
    static volatile Set<PosixFilePermission> extractedDirPermissions;

    static volatile Set<PosixFilePermission> extractedFilePermissions;

    static {
        load();
    }

    private Native() {}

    /** {@code linux-x86_64}, {@code linux-aarch64}, ...: the resource folder for this JVM. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            os = "linux";
        } else if (os.startsWith("mac")) {
            os = "macos";
        } else if (os.startsWith("windows")) {
            os = "windows";
        }
        if (arch.equals("amd64") || arch.equals("x86-64")) {
            arch = "x86_64";
        } else if (arch.equals("arm64")) {
            arch = "aarch64";
        }
        return os + "-" + arch;
    }

    /**
     * Loads the glue: from {@code -Dwx.recover.jni.path} if set; else the copy this jar carries
     * for the platform, extracted into a new owner-only temporary folder and loaded by absolute
     * path; else {@code System.loadLibrary} from {@code java.library.path}.
     */
    private static void load() {
        String path = System.getProperty(PATH_PROPERTY);
        if (path != null && !path.isEmpty()) {
            // System.load wants an absolute path; accept a relative one too.
            String abs = Paths.get(path).toAbsolutePath().toString();
            try {
                System.load(abs);
            } catch (UnsatisfiedLinkError e) {
                throw linkError("cannot load the JNI glue from -D" + PATH_PROPERTY + "=" + path
                        + " (" + e.getMessage() + ")", e);
            }
            loadedFrom = abs;
            return;
        }
        String resource = RESOURCE_ROOT + platform() + "/" + FILE_NAME;
        InputStream bundled = Native.class.getResourceAsStream(resource);
        if (bundled != null) {
            loadBundled(bundled, resource);
            return;
        }
        try {
            System.loadLibrary(LIBRARY_NAME);
        } catch (UnsatisfiedLinkError e) {
            throw linkError("this jar carries no JNI glue for " + platform() + " (no " + resource
                    + "), and System.loadLibrary(\"" + LIBRARY_NAME + "\") found no " + FILE_NAME
                    + " on java.library.path=" + System.getProperty("java.library.path") + " ("
                    + e.getMessage() + "); build the glue for this platform and set -D"
                    + PATH_PROPERTY + "=/full/path/" + FILE_NAME, e);
        }
        loadedFrom = "java.library.path";
    }

    private static void loadBundled(InputStream bundled, String resource) {
        Path dir = null;
        Path file = null;
        try (InputStream in = bundled) {
            dir = Files.createTempDirectory("wx-recover-jni-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            file = dir.resolve(FILE_NAME);
            Files.createFile(file,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) != -1; ) {
                    out.write(buf, 0, n);
                }
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r-x------"));
            extractedDirPermissions = Files.getPosixFilePermissions(dir);
            extractedFilePermissions = Files.getPosixFilePermissions(file);
            System.load(file.toString());
            loadedFrom = "jar:" + resource;
            extractedDir = dir;
        } catch (IOException | UnsupportedOperationException e) {
            throw linkError("cannot extract the bundled JNI glue " + resource + " into "
                    + System.getProperty("java.io.tmpdir") + " (" + e + "); set -Djava.io.tmpdir="
                    + "DIR to a writable folder, or -D" + PATH_PROPERTY + "=/full/path/" + FILE_NAME, e);
        } catch (UnsatisfiedLinkError e) {
            throw linkError("cannot load the bundled JNI glue extracted to " + file + " ("
                    + e.getMessage() + "); if java.io.tmpdir is mounted noexec, set "
                    + "-Djava.io.tmpdir=DIR, or -D" + PATH_PROPERTY + "=/full/path/" + FILE_NAME, e);
        } finally {
            // Loaded or not, nothing stays behind: the mapping outlives the file on Linux.
            try {
                if (file != null) {
                    Files.deleteIfExists(file);
                }
                if (dir != null) {
                    Files.deleteIfExists(dir);
                }
            } catch (IOException ignored) {
                // A leftover private temp folder is harmless.
            }
        }
    }

    private static UnsatisfiedLinkError linkError(String message, Throwable cause) {
        UnsatisfiedLinkError err = new UnsatisfiedLinkError("wx-recover: " + message);
        err.initCause(cause);
        return err;
    }

    // ----- library -----
    static native byte[] version();

    static native byte[] buildInfo();

    static native byte[] statusStr(int status);

    // ----- client -----
    static native long clientNew(byte[] configJson) throws WxRecoverException;

    static native long clientNewFromFile(byte[] path) throws WxRecoverException;

    static native void clientFree(long client);

    static native byte[] clientWechatpaySerial(long client);

    /**
     * Sends the client's log lines at {@code maxLevel} (1 = ERROR … 5 = TRACE) and more severe
     * to {@code WxRecoverClient.nativeLog}; any other value turns logging off.
     */
    static native void clientSetLogger(long client, int maxLevel) throws WxRecoverException;

    /** Returns an owned wx_accepted handle (free with {@link #acceptedFree}). */
    static native long submit(long client, byte[] outRequestNo, byte[] relatedWebankPunishNo,
            byte[] relatedWxpayPunishNo, byte[] mchid, byte[] balAccountNo, byte[] recoverReason)
            throws WxRecoverException;

    /**
     * wx_recover_submit_v2: {@link #submit} with the optional {@code card_no}, {@code sgn_no} and
     * {@code req_scene} (null: not sent). Returns an owned wx_accepted handle.
     */
    static native long submitV2(long client, byte[] outRequestNo, byte[] relatedWebankPunishNo,
            byte[] relatedWxpayPunishNo, byte[] mchid, byte[] balAccountNo, byte[] recoverReason,
            byte[] cardNo, byte[] sgnNo, byte[] reqScene) throws WxRecoverException;

    /** Returns an owned wx_order handle (free with {@link #orderFree}). */
    static native long query(long client, byte[] outRequestNo, byte[] mchid)
            throws WxRecoverException;

    /** The glue copies the owned C string and releases it with wx_free before returning. */
    static native byte[] authorization(long client, byte[] method, byte[] url, byte[] body)
            throws WxRecoverException;

    /** The glue copies the owned C string and releases it with wx_free before returning. */
    static native byte[] encrypt(long client, byte[] plaintext) throws WxRecoverException;

    static native void verify(long client, byte[] timestamp, byte[] nonce, byte[] signature,
            byte[] serial, byte[] body) throws WxRecoverException;

    // ----- accepted (borrowed strings copied out) -----
    static final int ACCEPTED_WXPAY_RECOVER_NO = 0;
    static final int ACCEPTED_OUT_REQUEST_NO = 1;
    static final int ACCEPTED_REQUEST_ID = 2;

    static native byte[] acceptedString(long accepted, int which);

    static native int acceptedAttempts(long accepted);

    static native void acceptedFree(long accepted);

    // ----- order (borrowed strings copied out) -----
    static native int orderState(long order);

    static native byte[] orderGet(long order, byte[] field);

    static native byte[] orderJson(long order);

    static native byte[] orderRequestId(long order);

    static native void orderFree(long order);

    // ----- notification (borrowed strings copied out) -----
    static native long parseNotification(long client, byte[] timestamp, byte[] nonce,
            byte[] signature, byte[] serial, byte[] body) throws WxRecoverException;

    static native byte[] notificationGet(long notification, byte[] field);

    static native byte[] notificationPlaintext(long notification);

    static native void notificationFree(long notification);

    static native int orderFieldCount(long order);

    static native byte[] orderFieldName(long order, int index);

    static native byte[] orderFieldValue(long order, int index);

    static native boolean orderFieldDocumented(long order, int index);

    static native long orderParse(byte[] json) throws WxRecoverException;

    /** The notification's resource as an order handle, or 0 when it is not a recover order. */
    static native long notificationOrder(long notification);

    static native long parseNotificationHeaders(long client, byte[][] names, byte[][] values,
            byte[] body) throws WxRecoverException;

    static native byte[] clientGetWechatpaySerial(long client) throws WxRecoverException;

    static native long pending(long client) throws WxRecoverException;

    /** An owned entry handle, or 0 when the journal has no such entry. */
    static native long journalEntry(long client, byte[] outRequestNo) throws WxRecoverException;

    /** wx_recover_journal_entry_of: {@link #journalEntry} for a {@code wx_journal_kind}. */
    static native long journalEntryOf(long client, byte[] outRequestNo, int kind)
            throws WxRecoverException;

    /** The entry's {@code wx_journal_kind}. */
    static native int journalEntryKind(long entry);

    static native long reconcile(long client, int maxOrders, int deadlineMs)
            throws WxRecoverException;

    static native long prune(long client, int olderThanDays) throws WxRecoverException;

    static native int journalListLen(long list);

    /** A borrowed entry handle, valid until the list is freed. */
    static native long journalListGet(long list, int index);

    static native void journalListFree(long list);

    static native void journalEntryFree(long entry);

    static native int journalEntryState(long entry);

    static native byte[] journalEntryGet(long entry, byte[] field);

    static final int ENTRY_ATTEMPTS = 0;
    static final int ENTRY_ERROR_STATUS = 1;
    static final int ENTRY_ERROR_HTTP_STATUS = 2;
    static final int ENTRY_CREATED_AT = 3;
    static final int ENTRY_UPDATED_AT = 4;

    static native long journalEntryNumber(long entry, int which);

    static native long reportCount(long report, int state);

    static native long reportBusy(long report);

    /** A borrowed list handle, valid until the report is freed. */
    static native long reportPending(long report);

    static native void reportFree(long report);

    // ----- punish (管控): jni_punish.c -----

    /**
     * wx_recover_punish. The strings are the wx_punish_request's, null when not given; returns
     * an owned wx_punish_accepted handle (free with {@link #punishAcceptedFree}).
     */
    static native long punish(long client, byte[] outRequestNo, byte[] mchid, byte[] balAccountNo,
            long punishScene, byte[] punishReason, byte[] punishEndTime, byte[] cardNo,
            byte[] sgnNo, byte[] reqScene, byte[] fundRepatriationStrategy)
            throws WxRecoverException;

    static final int PUNISH_ACCEPTED_WXPAY_PUNISH_NO = 0;
    static final int PUNISH_ACCEPTED_OUT_REQUEST_NO = 1;
    static final int PUNISH_ACCEPTED_REQUEST_ID = 2;

    static native byte[] punishAcceptedString(long accepted, int which);

    static native int punishAcceptedAttempts(long accepted);

    static native void punishAcceptedFree(long accepted);

    /** wx_recover_query_punish: an owned wx_punish_order handle (free with {@link #punishOrderFree}). */
    static native long queryPunish(long client, byte[] outRequestNo, byte[] mchid)
            throws WxRecoverException;

    static native int punishOrderState(long order);

    static native int punishOrderEffectState(long order);

    static native byte[] punishOrderGet(long order, byte[] field);

    static final int PUNISH_ORDER_PUNISH_SCENE = 0;
    static final int PUNISH_ORDER_PUNISH_RULE_VERSION = 1;

    /** The integer field {@code which} into {@code out[0]}; false when it is absent. */
    static native boolean punishOrderNumber(long order, int which, long[] out);

    static native int punishOrderControlActionLen(long order);

    static native byte[] punishOrderControlAction(long order, int index);

    static native byte[] punishOrderJson(long order);

    static native byte[] punishOrderRequestId(long order);

    static native void punishOrderFree(long order);

    // ----- stats -----

    /**
     * Length of the array {@link #stats} returns: wx_stats field by field in C order, each
     * wx_endpoint_stats as its counters in C order (both orders are written from the header by
     * scripts/gen_tables.py, into WxStats.java and the glue's wx_tables.h). javac -h copies it
     * into the glue's header, where jni_stats.c checks it against its own count.
     */
    static final int STATS_LENGTH = WxStats.LENGTH;

    /** A copy of wx_recover_stats' snapshot, laid out as {@link #STATS_LENGTH} says. */
    static native long[] stats(long client) throws WxRecoverException;

    /** Length of the array {@link #endpointStats} returns: wx_endpoint_stats in C order. */
    static final int ENDPOINT_STATS_LENGTH = WxStats.EndpointStats.LENGTH;

    /**
     * wx_endpoint's WX_ENDPOINT_PUNISH. wx_recover.h does not declare the enum (the C function
     * takes an int), so the value is written here, as Python's binding writes it.
     */
    static final int ENDPOINT_PUNISH = 3;

    /** wx_recover_endpoint_stats' counters for {@code endpoint} (a wx_endpoint value). */
    static native long[] endpointStats(long client, int endpoint) throws WxRecoverException;
}
