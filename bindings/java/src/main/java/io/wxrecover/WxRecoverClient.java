package io.wxrecover;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A wx-recover client: signs every call, encrypts {@code bal_account_no}, verifies every
 * answer — all inside the native library; this class only converts.
 *
 * <p><b>Threads.</b> One client is meant to be shared by every thread of a service: calls run
 * concurrently (they share the native connection pool and rate limiter). {@link #close()}
 * waits for calls in flight to return, then frees the native client once; closing twice is
 * harmless and any call after close throws {@link IllegalStateException}. A client that is
 * never closed is freed when it becomes unreachable, but close it: that is when the
 * connections are released.
 *
 * <p><b>Logging.</b> The library's lines go to the SLF4J logger named {@value #LOGGER_NAME}, so
 * the application's Logback or Log4j2 configuration decides where they end up (with no SLF4J
 * provider on the class path, nowhere): ERROR, WARN (an attempt failed or the platform refused
 * a request), INFO (rare: certificates downloaded, a shared store back), DEBUG (one line per
 * HTTP answer with its Request-ID), TRACE. A client is given that logger's level when it is
 * created, so lines the logger would drop are not even formatted; see {@link #setLogLevel} and
 * {@link #syncLogLevel()}. Lines never contain keys, Authorization values, bodies or the
 * plaintext {@code bal_account_no}.
 *
 * <p><b>Errors.</b> Every failure the library reports is a {@link WxRecoverException} with the
 * fields of the C error; {@link WxRecoverException#isRetrySafe()} says whether re-submitting
 * the same {@code out_request_no} (re-entry) or querying it is the right next step.
 */
public final class WxRecoverClient implements AutoCloseable {
    /** Name of the SLF4J logger that receives the library's log lines. */
    public static final String LOGGER_NAME = "io.wxrecover";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    /**
     * The native handle and its lock, kept apart from the client so that {@link Cleanup} can
     * free it once the client is unreachable.
     */
    private static final class State implements Runnable {
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        long handle; // guarded by lock; 0 once freed

        State(long handle) {
            this.handle = handle;
        }

        @Override
        public void run() {
            Lock w = lock.writeLock();
            w.lock(); // waits for every call in flight
            try {
                if (handle != 0) {
                    try {
                        Native.clientSetLogger(handle, 0);
                    } catch (WxRecoverException | RuntimeException e) {
                        // freeing anyway: the callback is static and needs no user data
                    }
                    Native.clientFree(handle);
                    handle = 0;
                }
            } finally {
                w.unlock();
            }
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T apply(long handle) throws WxRecoverException;
    }

    private final State state;
    private final Cleanup.Cleanable cleanable;
    private volatile int logLevel; // the wx_log_level given to the library; 0: off

    private WxRecoverClient(long handle) throws WxRecoverException {
        this.state = new State(handle);
        this.cleanable = Cleanup.register(this, state);
        try {
            syncLogLevel();
        } catch (WxRecoverException | RuntimeException | Error e) {
            cleanable.clean();
            throw e;
        }
    }

    /**
     * A client from a JSON configuration file (keys in docs/design.md); relative key paths are
     * relative to the file's folder. Keys are loaded and checked now.
     *
     * @throws WxRecoverException CONFIG naming the bad key, or INVALID_ARGUMENT
     */
    public static WxRecoverClient fromConfigFile(Path path) throws WxRecoverException {
        byte[] p = utf8(path == null ? null : path.toString(), "path");
        return new WxRecoverClient(Native.clientNewFromFile(p));
    }

    /**
     * A client from a JSON configuration document (keys in docs/design.md). Keys are loaded and
     * checked now.
     *
     * @throws WxRecoverException CONFIG naming the bad key, or INVALID_ARGUMENT
     */
    public static WxRecoverClient fromConfigJson(String json) throws WxRecoverException {
        byte[] j = utf8(json, "config_json");
        try {
            return new WxRecoverClient(Native.clientNew(j));
        } finally {
            wipe(j); // may hold an inline private key
        }
    }

    /** The native library's version, e.g. "0.1.0". */
    public static String libraryVersion() {
        return str(Native.version());
    }

    /**
     * What the native library carries, as one JSON object: {@code version}, {@code target},
     * {@code openssl} (the OpenSSL version in use), {@code openssl_vendored} (true in the jar:
     * OpenSSL is built into its native, which needs no system libssl) and {@code trust_roots}
     * (where the system's CA certificates were found). See docs/platforms.md.
     */
    public static String buildInfo() {
        return str(Native.buildInfo());
    }

    /**
     * Submits a recover (解管): the library validates, encrypts {@code bal_account_no}, signs,
     * sends with retries and failover, and verifies the answer. Blocks until done (bounded by
     * the configured {@code deadline_ms}). Acceptance is not the outcome: {@link #query} it.
     * With {@code cardNo} (encrypted too), {@code sgnNo} or {@code reqScene} set it goes through
     * {@code wx_recover_submit_v2}. To lift a control order placed by {@link #punish}, name its
     * {@link PunishAccepted} numbers as the two related punish numbers.
     *
     * @throws WxRecoverException any status; see {@link WxRecoverException#isRetrySafe()}
     * @throws IllegalStateException after {@link #close()}
     */
    public RecoverAccepted submit(RecoverRequest request) throws WxRecoverException {
        if (request == null) {
            throw WxRecoverException.invalidArgument("request", "must not be null");
        }
        return withHandle(h -> OrderCalls.submit(h, request));
    }

    // ----- the control order's life: punish (管控), its query; submit() lifts it -----

    /**
     * Places a control order (管控): the library validates (errors name the field), encrypts
     * {@code balAccountNo} and {@code cardNo}, signs, sends with retries and failover on the
     * punish's own quota bucket, and verifies the answer. With a journal the order is recorded
     * before the first byte goes out; re-entry (the same request again) returns the same
     * {@code wxpayPunishNo}, and the same number with other content is
     * {@link WxStatus#INVALID_ARGUMENT} with nothing sent. Acceptance is not the outcome:
     * follow it with {@link #queryPunish}.
     *
     * @throws WxRecoverException any status; INVALID_ARGUMENT naming {@code punish_scene} when
     *     the request has none
     * @throws IllegalStateException after {@link #close()}
     */
    public PunishAccepted punish(PunishRequest request) throws WxRecoverException {
        if (request == null) {
            throw WxRecoverException.invalidArgument("request", "must not be null");
        }
        return withHandle(h -> OrderCalls.punish(h, request));
    }

    /**
     * Queries a control order ({@code control_type=PUNISH}) by its {@code outRequestNo} for the
     * target merchant {@code mchid}; the answer is verified and must be about that order. An
     * unknown order is {@link WxStatus#API} with HTTP 404 and code "NOT_FOUND".
     *
     * @throws WxRecoverException any status
     * @throws IllegalStateException after {@link #close()}
     */
    public PunishOrder queryPunish(String outRequestNo, String mchid) throws WxRecoverException {
        byte[] no = utf8(outRequestNo, "out_request_no");
        byte[] m = utf8(mchid, "mchid");
        return withHandle(h -> OrderCalls.queryPunish(h, no, m));
    }

    /**
     * Queries a recover by {@code outRequestNo} for the target merchant {@code mchid}; the
     * answer is verified. An unknown order is {@link WxStatus#API} with HTTP 404 and code
     * "NOT_FOUND".
     *
     * @throws WxRecoverException any status
     * @throws IllegalStateException after {@link #close()}
     */
    public RecoverOrder query(String outRequestNo, String mchid) throws WxRecoverException {
        byte[] no = utf8(outRequestNo, "out_request_no");
        byte[] m = utf8(mchid, "mchid");
        return withHandle(h -> {
            long o = Native.query(h, no, m);
            try {
                return RecoverOrder.fromHandle(o);
            } finally {
                Native.orderFree(o);
            }
        });
    }

    /**
     * An {@code Authorization} header value for a request sent by the caller's own HTTP stack.
     * {@code url} is the path and query exactly as sent; {@code body} the exact body bytes
     * (null for none). The value is a credential: do not log it.
     */
    public String authorization(String method, String url, byte[] body)
            throws WxRecoverException {
        byte[] m = utf8(method, "method");
        byte[] u = utf8(url, "url");
        return withHandle(h -> str(Native.authorization(h, m, u, body)));
    }

    /**
     * Encrypts a sensitive field (RSA-OAEP-SHA1, base64) for the key named by
     * {@link #wechatpaySerial()}. At most 214 UTF-8 bytes.
     */
    public String encrypt(String plaintext) throws WxRecoverException {
        byte[] p = utf8(plaintext, "plaintext");
        try {
            return withHandle(h -> str(Native.encrypt(h, p)));
        } finally {
            wipe(p);
        }
    }

    /**
     * Verifies a signed answer received by the caller's own HTTP stack: the
     * {@code Wechatpay-Timestamp}, {@code -Nonce}, {@code -Signature} and {@code -Serial}
     * header values and the exact body bytes. Returns normally when it verifies.
     *
     * @throws WxRecoverException UNVERIFIED when it does not; INVALID_ARGUMENT for a null
     */
    public void verify(String timestamp, String nonce, String signature, String serial,
            byte[] body) throws WxRecoverException {
        byte[] t = utf8(timestamp, "timestamp");
        byte[] n = utf8(nonce, "nonce");
        byte[] s = utf8(signature, "signature");
        byte[] se = utf8(serial, "serial");
        withHandle(h -> {
            Native.verify(h, t, n, s, se, body);
            return null;
        });
    }

    /**
     * Verifies and decrypts a result notification received by the caller's HTTP server.
     * {@code headers} are the request headers (names matched case-insensitively; the
     * {@code Wechatpay-Timestamp}, {@code -Nonce}, {@code -Signature} and {@code -Serial} values
     * are used); {@code body} the exact bytes received. Answer the platform 2xx only when this
     * returns.
     *
     * @throws WxRecoverException UNVERIFIED (signature, serial, replay window, missing header),
     *     BAD_RESPONSE (envelope, decryption: wrong APIv3 key or tampered data), CONFIG (no
     *     apiv3_key), INVALID_ARGUMENT (null)
     * @throws IllegalStateException after {@link #close()}
     */
    public WxNotification parseNotification(Map<String, String> headers, byte[] body)
            throws WxRecoverException {
        if (headers == null) {
            throw WxRecoverException.invalidArgument("headers", "must not be null");
        }
        if (body == null) {
            throw WxRecoverException.invalidArgument("body", "must not be null");
        }
        java.util.List<byte[]> names = new java.util.ArrayList<>();
        java.util.List<byte[]> values = new java.util.ArrayList<>();
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey() != null && e.getValue() != null) {
                names.add(utf8(e.getKey(), "headers"));
                values.add(utf8(e.getValue(), e.getKey()));
            }
        }
        byte[][] ns = names.toArray(new byte[0][]);
        byte[][] vs = values.toArray(new byte[0][]);
        return withHandle(h -> {
            long p = Native.parseNotificationHeaders(h, ns, vs, body);
            try {
                RecoverOrder order = null;
                long o = Native.notificationOrder(p);
                if (o != 0) {
                    try {
                        order = RecoverOrder.fromHandle(o);
                    } finally {
                        Native.orderFree(o);
                    }
                }
                return WxNotification.fromHandle(p, order);
            } finally {
                Native.notificationFree(p);
            }
        });
    }

    /**
     * The {@code Wechatpay-Serial} value this client sends now (public key id or platform
     * certificate serial), asked of the library on every call: in certificate-download mode
     * it may download the certificates (blocking, bounded by {@code deadline_ms}), it changes
     * after a rotation, and it is {@code null} when no key is available (a submit would say
     * why).
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public String wechatpaySerial() {
        Lock r = state.lock.readLock();
        r.lock();
        try {
            ensureOpen();
            return str(Native.clientWechatpaySerial(state.handle));
        } finally {
            r.unlock();
        }
    }

    /**
     * Like {@link #wechatpaySerial()}, but a missing key is an exception that says why (for
     * example the certificate download that failed).
     */
    public String requireWechatpaySerial() throws WxRecoverException {
        return withHandle(h -> str(Native.clientGetWechatpaySerial(h)));
    }

    // ----- the journal (docs/journal.md) -----

    /** Every journal entry that is not final (IN_DOUBT, ACCEPTED), oldest first. */
    public java.util.List<JournalEntry> pending() throws WxRecoverException {
        return withHandle(h -> {
            long list = Native.pending(h);
            try {
                return JournalEntry.listFromHandle(list);
            } finally {
                Native.journalListFree(list);
            }
        });
    }

    /**
     * One recover's journal entry, or empty when the journal has none for that number: the
     * same as {@code journalEntry(outRequestNo, JournalKind.RECOVER)}.
     */
    public java.util.Optional<JournalEntry> journalEntry(String outRequestNo)
            throws WxRecoverException {
        byte[] no = utf8(outRequestNo, "out_request_no");
        return withHandle(h -> JournalEntry.take(Native.journalEntry(h, no)));
    }

    /**
     * One journal entry of {@code kind}, or empty when the journal has none for that number.
     * Punishes and recovers are numbered separately: a punish and the recover that lifts it may
     * share an {@code out_request_no} and are two entries.
     */
    public java.util.Optional<JournalEntry> journalEntry(String outRequestNo, JournalKind kind)
            throws WxRecoverException {
        if (kind == null) {
            throw WxRecoverException.invalidArgument("kind", "must not be null");
        }
        byte[] no = utf8(outRequestNo, "out_request_no");
        return withHandle(h -> JournalEntry.take(Native.journalEntryOf(h, no, kind.code())));
    }

    /**
     * Settles what is pending: re-enters IN_DOUBT entries and queries ACCEPTED ones, within
     * the rate limit. {@code maxOrders} and {@code deadlineMs} of 0 mean no limit.
     */
    public ReconcileReport reconcile(int maxOrders, int deadlineMs) throws WxRecoverException {
        if (maxOrders < 0) {
            throw WxRecoverException.invalidArgument("max_orders", "must not be negative");
        }
        if (deadlineMs < 0) {
            throw WxRecoverException.invalidArgument("deadline_ms", "must not be negative");
        }
        return withHandle(h -> ReconcileReport.take(Native.reconcile(h, maxOrders, deadlineMs)));
    }

    /** Reconciles every pending entry with no overall deadline. */
    public ReconcileReport reconcile() throws WxRecoverException {
        return reconcile(0, 0);
    }

    /**
     * Deletes final entries that finished more than {@code olderThanDays} days ago; never a
     * pending one. Returns how many were deleted.
     */
    public long prune(int olderThanDays) throws WxRecoverException {
        if (olderThanDays < 0) {
            throw WxRecoverException.invalidArgument("older_than_days", "must not be negative");
        }
        return withHandle(h -> Native.prune(h, olderThanDays));
    }

    // ----- stats for operators (docs/stats.md) -----

    /**
     * A snapshot of this client's counters (per endpoint, {@link WxStats#punish()} included:
     * requests, attempts, retries, failovers, limiter waits and refusals, 429s received,
     * verification failures) and of its breaker and quota store. Never touches the network.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public WxStats stats() throws WxRecoverException {
        return withHandle(h -> WxStats.fromArrays(Native.stats(h),
                Native.endpointStats(h, Native.ENDPOINT_PUNISH)));
    }

    // ----- logging -----

    /**
     * Sets the most verbose level of the lines the library sends to the SLF4J logger
     * {@value #LOGGER_NAME} ({@link LogLevel#TRACE}: everything; {@link LogLevel#OFF} or
     * {@code null}: nothing). The logger still applies its own level. Thread-safe; calls in
     * flight may still log at the old level.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public void setLogLevel(LogLevel level) throws WxRecoverException {
        install(level == null ? 0 : level.code);
    }

    /**
     * Gives the library the {@value #LOGGER_NAME} logger's level now: the most verbose level
     * the SLF4J logger has enabled ({@code isTraceEnabled()}, then {@code isDebugEnabled()} and
     * so on; none enabled, or no SLF4J provider: off). Done at creation; call it again after
     * changing the logger's level.
     */
    public void syncLogLevel() throws WxRecoverException {
        int c;
        if (LOG.isTraceEnabled()) {
            c = LogLevel.TRACE.code;
        } else if (LOG.isDebugEnabled()) {
            c = LogLevel.DEBUG.code;
        } else if (LOG.isInfoEnabled()) {
            c = LogLevel.INFO.code;
        } else if (LOG.isWarnEnabled()) {
            c = LogLevel.WARN.code;
        } else if (LOG.isErrorEnabled()) {
            c = LogLevel.ERROR.code;
        } else {
            c = LogLevel.OFF.code;
        }
        install(c);
    }

    /** The most verbose level the library sends now; {@link LogLevel#OFF} when logging is off. */
    public LogLevel logLevel() {
        return LogLevel.fromCode(logLevel);
    }

    private void install(int cLevel) throws WxRecoverException {
        withHandle(h -> {
            Native.clientSetLogger(h, cLevel);
            logLevel = cLevel;
            return null;
        });
    }

    /**
     * Called by the JNI glue on the thread making a library call, for each line; {@code level}
     * is the C {@code wx_log_level} (1 ERROR … 5 TRACE; anything else is logged as ERROR). Never
     * throws (the glue would clear it anyway): a failing logger must not fail the call.
     */
    @SuppressWarnings("unused")
    private static void nativeLog(int level, byte[] utf8) {
        try {
            // Single-argument calls: a line is never read as a format pattern.
            switch (level) {
                case 5:
                    if (LOG.isTraceEnabled()) {
                        LOG.trace(str(utf8));
                    }
                    break;
                case 4:
                    if (LOG.isDebugEnabled()) {
                        LOG.debug(str(utf8));
                    }
                    break;
                case 3:
                    if (LOG.isInfoEnabled()) {
                        LOG.info(str(utf8));
                    }
                    break;
                case 2:
                    if (LOG.isWarnEnabled()) {
                        LOG.warn(str(utf8));
                    }
                    break;
                default:
                    if (LOG.isErrorEnabled()) {
                        LOG.error(str(utf8));
                    }
                    break;
            }
        } catch (Throwable t) {
            // dropped: there is nowhere safe to report a failure of the logger itself
        }
    }

    /** True once {@link #close()} has run. */
    public boolean isClosed() {
        Lock r = state.lock.readLock();
        r.lock();
        try {
            return state.handle == 0;
        } finally {
            r.unlock();
        }
    }

    /**
     * Waits for calls in flight, then frees the native client and its connections. Idempotent;
     * calls made afterwards throw {@link IllegalStateException}.
     */
    @Override
    public void close() {
        cleanable.clean(); // runs State.run() at most once
    }

    private <T> T withHandle(Call<T> call) throws WxRecoverException {
        Lock r = state.lock.readLock();
        r.lock();
        try {
            ensureOpen();
            return call.apply(state.handle);
        } finally {
            r.unlock();
        }
    }

    private void ensureOpen() {
        if (state.handle == 0) {
            throw new IllegalStateException("WxRecoverClient is closed");
        }
    }

    /**
     * Real UTF-8 (not JNI's modified UTF-8). C strings cannot carry NUL, and an unpaired
     * surrogate has no UTF-8 form: both are refused naming the field instead of being
     * truncated or replaced.
     */
    static byte[] utf8(String s, String field) throws WxRecoverException {
        if (s == null) {
            return null; // the library reports the field
        }
        if (s.indexOf('\0') >= 0) {
            throw WxRecoverException.invalidArgument(field, "must not contain NUL characters");
        }
        // Per-call fast path: ASCII text (every identifier of a recover) is its own UTF-8 and
        // has no surrogates, so it needs no encoder and leaves no intermediate buffer to wipe.
        if (isAscii(s)) {
            return s.getBytes(StandardCharsets.US_ASCII);
        }
        try {
            ByteBuffer bb = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(s));
            byte[] out = new byte[bb.remaining()];
            bb.get(out);
            if (bb.hasArray()) {
                Arrays.fill(bb.array(), (byte) 0);
            }
            return out;
        } catch (CharacterCodingException e) {
            throw WxRecoverException.invalidArgument(field,
                    "is not valid Unicode (unpaired surrogate)");
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    static String str(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static void wipe(byte[] b) {
        if (b != null) {
            Arrays.fill(b, (byte) 0);
        }
    }
}
