package ai.huma.camel.runtime;

import java.util.function.Supplier;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;

/**
 * Hands the webhook server's Vert.x router to Camel's platform-http routes. The one class that
 * knows how camel-platform-http-vertx finds the router its consumers attach to, so that a Camel
 * upgrade that changes it touches this class alone (checked against 4.18).
 * <p>
 * Why bind names: the component's documented way in is "a {@code VertxPlatformHttpRouter} on the
 * registry"; {@code VertxPlatformHttpEngine} has no router setter (only {@code setHandlers}, which
 * run inside each route, after its path matched), and {@code VertxPlatformHttpServer} makes its
 * {@code HttpServerOptions} and connection handling itself, so Camel's own server cannot take the
 * limits. What this relies on, all public API but not a documented contract:
 * <ul>
 * <li>{@code VertxPlatformHttpEngine.createConsumer} names the router
 * {@link VertxPlatformHttpRouter#getRouterNameFromPort}{@code (getServerPort())}
 * ({@code platform-http-router-<port>}), and {@code VertxPlatformHttpConsumer} looks that name up in
 * the registry, then {@link VertxPlatformHttpRouter#PLATFORM_HTTP_ROUTER_NAME_ZERO}
 * ({@code platform-http-router-0}) when the port is chosen at start: the router is bound under both;</li>
 * <li>{@code VertxPlatformHttpEngine.getServerPort()} takes the port from the single
 * {@link VertxPlatformHttpServer} in the registry ({@code getServer().actualPort()}), else from the
 * single {@link VertxPlatformHttpServerConfiguration}'s bind port, else from any router's server,
 * the management server's as a last resort. So a stand-in server that answers with ours, and a
 * configuration with our host and port, are bound too: without them a port chosen at start
 * ({@code huma.port=0}, the training run) could attach the webhooks to the management port;</li>
 * <li>the consumer takes its body handler from {@link VertxPlatformHttpRouter#bodyHandler()}.</li>
 * </ul>
 * The stand-in is never added to the context as a service: Camel Main's management server
 * ({@code ManagementHttpServer}) reuses a {@code VertxPlatformHttpServer} service of its own port.
 */
final class PlatformHttpRouterBinding {

    private PlatformHttpRouterBinding() {
    }

    /**
     * Binds {@code router} for the platform-http routes of {@code context}, before they are built.
     *
     * @param bodyHandler what reads a request's body for the routes
     * @param listening   the server once it listens, null before
     */
    static void bind(CamelContext context, Vertx vertx, Router router, String host, int port,
            Handler<RoutingContext> bodyHandler, Supplier<HttpServer> listening) {
        VertxPlatformHttpServerConfiguration configuration = new VertxPlatformHttpServerConfiguration();
        configuration.setBindHost(host);
        configuration.setBindPort(port);
        VertxPlatformHttpServer standIn = new ListeningServer(configuration, listening);
        VertxPlatformHttpRouter platformRouter = new VertxPlatformHttpRouter(standIn, vertx, router,
                VertxPlatformHttpRouter.getRouterNameFromPort(port), VertxPlatformHttpRouter.SERVER_TYPE_SERVER) {
            @Override
            public Handler<RoutingContext> bodyHandler() {
                return bodyHandler;
            }
        };
        context.getRegistry().bind("humaWebhookServerConfiguration", configuration);
        context.getRegistry().bind("humaWebhookServerPort", standIn);
        context.getRegistry().bind(VertxPlatformHttpRouter.getRouterNameFromPort(port), platformRouter);
        context.getRegistry().bind(VertxPlatformHttpRouter.PLATFORM_HTTP_ROUTER_NAME_ZERO, platformRouter);
    }

    /** Tells the engine the port the webhook server listens on; never started, it listens on nothing. */
    private static final class ListeningServer extends VertxPlatformHttpServer {

        private final Supplier<HttpServer> listening;

        ListeningServer(VertxPlatformHttpServerConfiguration configuration, Supplier<HttpServer> listening) {
            super(configuration);
            this.listening = listening;
        }

        @Override
        public HttpServer getServer() {
            return listening.get();
        }

        @Override
        protected void doInit() {
            // the webhook server listens itself
        }

        @Override
        protected void doStart() {
            // the webhook server listens itself
        }

        @Override
        protected void doStop() {
            // the webhook server listens itself
        }
    }
}
