package ai.huma.camel.bench;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;

import org.apache.camel.CamelContext;
import org.apache.camel.ExchangePattern;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * The second ceiling of the benchmark: bare Camel + SEDA. A Camel Main application with Camel Main's
 * own embedded HTTP server (platform-http on Vert.x, {@code camel.server.*}) and one webhook route
 * that reads the body, hands it InOnly to a SEDA queue (a second route drains it, doing nothing
 * else), drops the request headers and answers {@code 200 {}} (application/json); {@code GET /}
 * answers {@code {}} too, for the bench's start-up client. What the bundle's edge would cost with
 * none of its checks, metrics and limits: the same Camel (4.18, from the bundle's jar), the same
 * component, the same kind of queue (memory mode's {@code seda:...?size=1000}), the same JVM flags.
 * <p>
 * Why Camel Main, not a plain DefaultCamelContext: the bundle is a Camel Main application too, so the
 * start-up time compares like with like (Camel Main's configuration and property loading, its
 * lifecycle), and Camel Main's embedded server is the stock way to serve platform-http on Vert.x:
 * default {@code VertxOptions} (4 event loops on 2 cores, 20 worker threads, which is also the
 * bundle's huma.http.worker-threads) and default {@code HttpServerOptions}. Nothing is tuned. It has
 * none of the bundle's server limits (request read time-out, idle time-out, connection cap): the
 * bundle pays for those, which is part of what this ceiling shows.
 * <p>
 * Bare means bare: the bundle's jar carries the library's {@code ContextServicePlugin}
 * ({@code META-INF/services/org.apache.camel.spi.ContextServicePlugin}), which would put the bundle's
 * routes into any CamelContext on this class path. The context gets an application class loader that
 * hides that one service file (classes still come from the same class path, so the class-data
 * archive still applies); the server refuses to start if anything of the library got in anyway.
 * Camel Main's scan of {@code classpath:camel/*} for route files is off, as the bundle's is (it names
 * its own routes folder): these routes are Java.
 * Usage: {@code CamelCeilingServer <port> [host]}.
 */
public final class CamelCeilingServer {

    static final String QUEUE = "seda:ceiling?size=1000";
    private static final String PLUGIN_SERVICE = "META-INF/services/org.apache.camel.spi.ContextServicePlugin";

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String host = args.length > 1 ? args[1] : "127.0.0.1";
        Main main = new Main() {
            @Override
            protected CamelContext createCamelContext() {
                CamelContext context = super.createCamelContext();
                context.setApplicationContextClassLoader(new WithoutContextPlugins(CamelCeilingServer.class.getClassLoader()));
                return context;
            }
        };
        main.addOverrideProperty("camel.main.name", "bare-camel-ceiling");
        main.addOverrideProperty("camel.main.routes-include-pattern", "false");
        main.addOverrideProperty("camel.server.enabled", "true");
        main.addOverrideProperty("camel.server.host", host);
        main.addOverrideProperty("camel.server.port", String.valueOf(port));
        main.configure().addRoutesBuilder(new RouteBuilder() {
            @Override
            public void configure() {
                from("platform-http:/api/webhook-question-answered?httpMethodRestrict=POST")
                        .routeId("ceiling-webhook")
                        .convertBodyTo(String.class) // the body, read
                        .removeHeaders("*") // only the payload goes on the queue, none of them goes back
                        .to(ExchangePattern.InOnly, QUEUE)
                        .setHeader("Content-Type", constant("application/json"))
                        .setBody(constant("{}"));
                from(QUEUE)
                        .routeId("ceiling-drain")
                        .process(exchange -> {
                            // consumed, nothing else
                        });
                from("platform-http:/?httpMethodRestrict=GET")
                        .routeId("ceiling-ready")
                        .removeHeaders("*")
                        .setHeader("Content-Type", constant("application/json"))
                        .setBody(constant("{}"));
            }
        });
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterStart(BaseMainSupport support) {
                CamelContext context = support.getCamelContext();
                boolean bare = context.getRoutes().size() == 3 && context.getRegistry().lookupByName("humaRoutes") == null
                        && context.getRegistry().lookupByName("humaDefaults") == null;
                if (!bare) {
                    System.err.println("Not a bare Camel: routes " + context.getRoutes() + ", the library's plugin loaded: "
                            + (context.getRegistry().lookupByName("humaRoutes") != null));
                    System.exit(1);
                }
                System.out.println("Bare Camel + SEDA ceiling listening on " + host + ":" + port + " (Apache Camel "
                        + context.getVersion() + ", routes " + context.getRoutes().size() + ")");
            }
        });
        main.run(new String[0]);
    }

    /** The class path as it is, but for the one service file of the library's ContextServicePlugin. */
    static final class WithoutContextPlugins extends ClassLoader {

        WithoutContextPlugins(ClassLoader parent) {
            super("bench-without-context-plugins", parent);
        }

        @Override
        public URL getResource(String name) {
            return PLUGIN_SERVICE.equals(name) ? null : super.getResource(name);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return PLUGIN_SERVICE.equals(name) ? Collections.emptyEnumeration() : super.getResources(name);
        }
    }
}
