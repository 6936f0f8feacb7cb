package ai.huma.camel.runtime;

import io.vertx.core.http.HttpServer;
import io.vertx.core.net.impl.TCPServerBase;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;

/**
 * Stops the start when the management server does not listen. Camel's {@link VertxPlatformHttpServer}
 * only logs a failed bind (a warning, and an unhandled exception on an event loop) and lets the context
 * start: the bundle would say it is ready with no health, metrics or operator page, and an
 * orchestrator's probes would fail with no reason given. Checked once the context's services have
 * started and before the routes take work; the start then fails with {@link PortTakenException}, which
 * names the setting to change, as a taken webhook port does.
 */
final class ManagementServerCheck implements ExtendedStartupListener {

    static void install(CamelContext context) {
        try {
            context.addStartupListener(new ManagementServerCheck());
        } catch (Exception e) {
            throw RuntimeCamelException.wrapRuntimeException(e);
        }
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        ManagementHttpServer management = context.hasService(ManagementHttpServer.class);
        if (alreadyStarted || management == null) {
            return; // camel.management.enabled = false: nothing to check
        }
        HttpServer http = server(context, management);
        // Vert.x's public API has no "is it listening" (actualPort() is the configured port even after a
        // failed bind); its server base class has
        if (http instanceof TCPServerBase tcp && !tcp.isListening()) {
            throw new PortTakenException(management.getHost(), management.getPort(), "huma.management.port", "HUMA_MANAGEMENT_PORT",
                    null);
        }
    }

    /**
     * Where the started management server listens, as {@code http://host:port} (the port chosen at start
     * when {@code huma.management.port} is 0); null without one.
     */
    static String address(CamelContext context) {
        ManagementHttpServer management = context.hasService(ManagementHttpServer.class);
        HttpServer http = management != null ? server(context, management) : null;
        return http != null ? "http://" + management.getHost() + ":" + http.actualPort() : null;
    }

    private static HttpServer server(CamelContext context, ManagementHttpServer management) {
        for (VertxPlatformHttpServer server : context.hasServices(VertxPlatformHttpServer.class)) {
            if (server.getConfigurationPort() == management.getPort()) {
                return server.getServer();
            }
        }
        return null;
    }
}
