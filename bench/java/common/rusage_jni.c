/*
 * getrusage(RUSAGE_SELF) for the Java drivers: the JVM's own process CPU clock
 * (OperatingSystemMXBean.getProcessCpuTime) ticks in 10 ms steps on this kernel, too coarse
 * for a 5% comparison; this returns user + sys of every thread of the process in nanoseconds
 * (microsecond resolution), the same clock the C, Python and Go drivers read.
 */
#include <jni.h>
#include <sys/resource.h>

JNIEXPORT jlong JNICALL Java_BenchLoop_rusageNanos(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
    return ((jlong)ru.ru_utime.tv_sec + (jlong)ru.ru_stime.tv_sec) * 1000000000LL +
           ((jlong)ru.ru_utime.tv_usec + (jlong)ru.ru_stime.tv_usec) * 1000LL;
}
