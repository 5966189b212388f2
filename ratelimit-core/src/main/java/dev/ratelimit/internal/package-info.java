/**
 * Internal: shared machinery of the library's own modules, <b>not API</b>. The classes are public only so that
 * core's other packages and the library's other modules (the stores, the HTTP engine) can share them: the log
 * throttle {@link dev.ratelimit.internal.ThrottledLog} and the argument checks {@link dev.ratelimit.internal.Check}.
 * They may change or go in any release without notice; applications must not use them.
 */
package dev.ratelimit.internal;
