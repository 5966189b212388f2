package dev.ratelimit.spring;

import reactor.blockhound.BlockHound;

/** Installs BlockHound once per JVM: afterwards a blocking call on a Netty event loop or a Reactor parallel thread fails. */
final class Blocking {

    private static boolean installed;

    private Blocking() {
    }

    static synchronized void detect() {
        if (!installed) {
            BlockHound.install();
            installed = true;
        }
    }
}
