package ai.huma.camel.runtime;

import ai.huma.camel.SettingsCheck;

/**
 * The settings of the standalone jar's own server and management port, checked with the library's
 * ({@link SettingsCheck}) before anything starts, so that every problem is in one message.
 */
public final class RuntimeSettings {

    private RuntimeSettings() {
    }

    /** Adds the problems of the standalone jar's own settings to the check. */
    public static void check(SettingsCheck check) {
        WebhookServer server = new WebhookServer();
        long[] webhookPort = {-1};
        check.notBlank("huma.host");
        check.whole("huma.port", 0, 65535, port -> {
            server.setPort((int) port);
            webhookPort[0] = port;
        });
        check.whole("huma.http.idle-timeout", 1, Integer.MAX_VALUE, seconds -> server.setIdleTimeout((int) seconds));
        check.whole("huma.http.request-read-timeout", 1, Integer.MAX_VALUE, seconds -> server.setRequestReadTimeout((int) seconds));
        check.whole("huma.http.max-connections", 1, Integer.MAX_VALUE, n -> server.setMaxConnections((int) n));
        check.whole("huma.http.worker-threads", 1, 1000, n -> server.setWorkerThreads((int) n));
        check.whole("huma.http.warm-up-requests", 0, Integer.MAX_VALUE, n -> server.setWarmUpRequests((int) n));
        check.notBlank("huma.management.host");
        check.whole("huma.management.port", 0, 65535, port -> {
            // two servers cannot listen on one port; and probes, metrics and the operator page stay off
            // the port Huma calls in on (0 is a free port for each)
            if (port != 0 && port == webhookPort[0]) {
                throw new IllegalArgumentException("huma.management.port (HUMA_MANAGEMENT_PORT) must not be huma.port (" + port
                        + "): health, metrics and the operator page have a port of their own, not the one Huma calls in on");
            }
        });
        check.bool("huma.management.page");
        check.bool("huma.management.jolokia");
        check.text("huma.management.token", token -> new OperatorPage().setToken(token));
        check.whole("huma.shutdown.timeout", 1, Integer.MAX_VALUE, null);
    }
}
