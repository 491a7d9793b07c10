package io.wxrecover;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the binding's immutable value classes share: {@code equals}, {@code hashCode} and a
 * record-style {@code toString} ({@code Name[a=1, b=2]}), written once from the fields each
 * class lists in {@link #fields()} and {@link #extraFields()}. Two values are equal when they
 * are of the same class and every listed field is equal ({@link Objects#equals}); the hash is
 * {@link Objects#hash} of the listed values, in order.
 */
abstract class Value {
    private static final Object[] NO_FIELDS = {};

    /**
     * Every field in the order of the accessors, as name, value, name, value, ... (the names are
     * the accessors' names).
     */
    abstract Object[] fields();

    /**
     * Fields a class adds outside its generated {@link #fields()} list (same layout), compared,
     * hashed and printed after them; none by default.
     */
    Object[] extraFields() {
        return NO_FIELDS;
    }

    /** {@link #fields()} then {@link #extraFields()}. */
    private Object[] allFields() {
        Object[] f = fields();
        Object[] extra = extraFields();
        if (extra.length == 0) {
            return f;
        }
        Object[] all = Arrays.copyOf(f, f.length + extra.length);
        System.arraycopy(extra, 0, all, f.length, extra.length);
        return all;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        return other != null && other.getClass() == getClass()
                && Arrays.equals(allFields(), ((Value) other).allFields());
    }

    @Override
    public int hashCode() {
        Object[] f = allFields();
        Object[] values = new Object[f.length / 2];
        for (int i = 0; i < values.length; i++) {
            values[i] = f[2 * i + 1];
        }
        return Objects.hash(values);
    }

    @Override
    public String toString() {
        Object[] f = allFields();
        StringBuilder b = new StringBuilder(getClass().getSimpleName()).append('[');
        for (int i = 0; i < f.length; i += 2) {
            b.append(i == 0 ? "" : ", ").append(f[i]).append('=').append(f[i + 1]);
        }
        return b.append(']').toString();
    }
}
