package dev.ratelimit.servlet;

import dev.ratelimit.spi.RateLimitStore;
import java.util.Properties;

/** Makes a store from a {@link StoreFactory} named by class, as web.xml's {@code storeFactory} init-param does. */
final class StoreFactories {

    private StoreFactories() {
    }

    /**
     * Instantiates {@code className} with the thread's context class loader and asks it for a store.
     *
     * @throws IllegalArgumentException naming the class if it cannot be instantiated, is no {@link StoreFactory} or
     *     returns no store
     */
    static RateLimitStore create(String className, Properties configuration) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = StoreFactory.class.getClassLoader();
        }
        String param = RateLimitFilter.STORE_FACTORY_PARAM;
        Object factory;
        try {
            factory = Class.forName(className, true, loader).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalArgumentException(param + " " + className + " cannot be instantiated: it must be a"
                    + " public class with a public no-argument constructor (" + e + ")", e);
        }
        if (!(factory instanceof StoreFactory storeFactory)) {
            throw new IllegalArgumentException(param + " " + className + " does not implement "
                    + StoreFactory.class.getName());
        }
        RateLimitStore created = storeFactory.create(configuration);
        if (created == null) {
            throw new IllegalArgumentException(param + " " + className + " returned no store");
        }
        return created;
    }
}
