package io.wxrecover;

/**
 * The most verbose level of the lines a client sends to the SLF4J logger
 * {@value WxRecoverClient#LOGGER_NAME} ({@link WxRecoverClient#setLogLevel},
 * {@link WxRecoverClient#logLevel()}). The constants mirror the C library's {@code wx_log_level}
 * and map one to one onto SLF4J's levels; {@link #OFF} (or {@code null} where a level is
 * accepted) sends nothing.
 */
public enum LogLevel {
    /** Nothing is sent. */
    OFF(0),
    /** A call failed for good, or an answer failed verification. */
    ERROR(1),
    /** An attempt failed, or the platform refused a request. */
    WARN(2),
    /** Rare events: platform certificates downloaded, a shared rate-limit store back. */
    INFO(3),
    /** One line per HTTP answer (method, path, status, Request-ID, attempt, time); retries. */
    DEBUG(4),
    /** Header names and sizes: everything the library logs. */
    TRACE(5);

    /** The C {@code wx_log_level}; 0 for OFF. */
    final int code;

    LogLevel(int code) {
        this.code = code;
    }

    /** The level with C value {@code code}; {@link #OFF} for anything outside 1..5. */
    static LogLevel fromCode(int code) {
        for (LogLevel l : values()) {
            if (l.code == code) {
                return l;
            }
        }
        return OFF;
    }
}
