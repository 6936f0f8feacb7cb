package ai.huma.camel.runtime;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import ai.huma.camel.observe.HumaMetrics;
import ai.huma.camel.edge.SourceAllowList;
import ai.huma.camel.edge.WarmUpMarker;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone jar's HTTP server for the webhooks (a host serves them with its own server):
 * Camel's platform-http on Vert.x, as Camel Main's embedded server makes it, plus what a server
 * facing the internet needs and Camel 4.18 does not let one set ({@code VertxPlatformHttpServer}
 * creates its {@code HttpServerOptions} itself). Its settings are the {@code huma.http.*},
 * {@code huma.host} and {@code huma.port} properties:
 * <ul>
 * <li>{@code idleTimeout}: a connection on which no byte moves either way for that long is closed;</li>
 * <li>{@code requestReadTimeout}: a request must have arrived in full and been answered within that
 * time, counted from the moment the connection could send it (opened, or its previous answer sent).
 * This closes connections that send nothing, or their headers or body a byte at a time, and
 * kept-alive connections left idle;</li>
 * <li>{@code maxConnections}: connections beyond it are closed at once (Huma tries again);</li>
 * <li>bodies over {@code maxBodySize} are answered 413 and never buffered further; no file uploads
 * are written; no HTTP/2 over clear text (Huma calls with HTTP/1.1); {@code Expect: 100-continue}
 * is answered at once.</li>
 * </ul>
 * The platform-http routes ({@code platform-http:/api/...}) attach to it as to Camel's own server.
 * It answers {@code GET /} itself, the seed's liveness and readiness: {@code hello!} once the edge is
 * warm, 503 {@code starting} until then.
 * <p>
 * Lifecycle ({@link #install}): the launcher installs it before the routes are built, so that it
 * prepares the router the routes attach to; it listens when the CamelContext starts, before the
 * routes take requests; once they all run, it warms the edge up ({@link EdgeWarmUp}) and only then
 * reports ready; it stops with the CamelContext.
 */
public class WebhookServer extends VertxPlatformHttpServer {

    /** Its name in the Camel registry. */
    public static final String NAME = "humaWebhookServer";

    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);
    private static final long REFUSAL_LOG_INTERVAL_MILLIS = 10_000;

    private String host = "0.0.0.0";
    private int port = 5001;
    private long maxBodySize = 1024 * 1024;
    private int idleTimeout = 30;
    private int requestReadTimeout = 20;
    private int maxConnections = 1000;

    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicLong refusedConnections = new AtomicLong();
    private final AtomicLong lastRefusalLog = new AtomicLong();
    private final Map<HttpConnection, ConnectionState> connections = new ConcurrentHashMap<>();
    private final EdgeWarmUp warmUp = new EdgeWarmUp();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile HumaMetrics metrics;
    private String pathPrefix = "";
    private Vertx vertx;
    private int workerThreads = VertxOptions.DEFAULT_WORKER_POOL_SIZE;
    private boolean ownVertx;
    private Router router;
    private HttpServer server;
    private volatile boolean destroyed;
    /** False while the server listens but the routes are not all started: then everything is a 503. */
    private volatile boolean routesStarted;

    public WebhookServer() {
        super(new VertxPlatformHttpServerConfiguration());
    }

    public void setHost(String host) {
        this.host = host;
    }

    public void setPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("huma.port must be between 0 and 65535, not " + port);
        }
        this.port = port;
    }

    public void setMaxBodySize(long maxBodySize) {
        if (maxBodySize < 1) {
            throw new IllegalArgumentException("huma.http.max-body-size must be 1 byte or more, not " + maxBodySize);
        }
        this.maxBodySize = maxBodySize;
    }

    /** Seconds a connection may stay without traffic. */
    public void setIdleTimeout(int idleTimeout) {
        if (idleTimeout < 1) {
            throw new IllegalArgumentException("huma.http.idle-timeout must be 1 second or more, not " + idleTimeout);
        }
        this.idleTimeout = idleTimeout;
    }

    /** Seconds a request may take to arrive in full and be answered. */
    public void setRequestReadTimeout(int requestReadTimeout) {
        if (requestReadTimeout < 1) {
            throw new IllegalArgumentException("huma.http.request-read-timeout must be 1 second or more, not "
                    + requestReadTimeout);
        }
        this.requestReadTimeout = requestReadTimeout;
    }

    /** True once the server listens and the edge has been warmed up: what readiness reports. */
    public boolean isReady() {
        return server != null && warmUp.isDone();
    }

    /** Completes when {@link #isReady()} becomes true (the launcher's ready line). */
    public CompletionStage<Void> whenReady() {
        return ready;
    }

    /**
     * Threads of the Vert.x worker pool the webhook routes run on (huma.http.worker-threads): each
     * request runs its route on one of them, from the checks to the hand-over to the queue.
     */
    public void setWorkerThreads(int workerThreads) {
        if (workerThreads < 1) {
            throw new IllegalArgumentException("huma.http.worker-threads must be 1 or more, not " + workerThreads);
        }
        this.workerThreads = workerThreads;
    }

    /** Warm-up webhooks of each kind before the edge reports ready; 0: ready at once. */
    public void setWarmUpRequests(int requests) {
        warmUp.setRequests(requests);
    }

    public void setMaxConnections(int maxConnections) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("huma.http.max-connections must be 1 or more, not " + maxConnections);
        }
        this.maxConnections = maxConnections;
    }

    /**
     * Makes the server from this context's settings, binds it and the router the platform-http routes
     * attach to, and has the context start and stop it. Called before the routes are built.
     */
    public static WebhookServer install(CamelContext context) throws Exception {
        WebhookServer server = new WebhookServer();
        server.setCamelContext(context);
        server.configure(context.getPropertiesComponent());
        context.getRegistry().bind(NAME, server);
        server.init();
        context.addService(server, true, false);
        return server;
    }

    /** Its settings, from the properties (checked before by the launcher's settings check). */
    void configure(PropertiesComponent properties) {
        setHost(required(properties, "huma.host"));
        setPort(Integer.parseInt(required(properties, "huma.port")));
        setMaxBodySize(Long.parseLong(required(properties, "huma.http.max-body-size")));
        setIdleTimeout(Integer.parseInt(required(properties, "huma.http.idle-timeout")));
        setRequestReadTimeout(Integer.parseInt(required(properties, "huma.http.request-read-timeout")));
        setMaxConnections(Integer.parseInt(required(properties, "huma.http.max-connections")));
        setWorkerThreads(Integer.parseInt(required(properties, "huma.http.worker-threads")));
        setWarmUpRequests(Integer.parseInt(required(properties, "huma.http.warm-up-requests")));
        warmUp.setToken(required(properties, "huma.callback.token"));
        warmUp.setSourceAllowed(new SourceAllowList(properties.resolveProperty("huma.callback.allowed-sources").orElse(""))
                .isAllowed("127.0.0.1:1"));
        pathPrefix = properties.resolveProperty("huma.http.path-prefix").orElse("").strip();
    }

    private static String required(PropertiesComponent properties, String key) {
        return properties.resolveProperty(key)
                .orElseThrow(() -> new IllegalArgumentException(key + " is not set")).strip();
    }

    @Override
    public HttpServer getServer() {
        return server;
    }

    @Override
    public int getPort() {
        return server != null ? server.actualPort() : port;
    }

    @Override
    public String getHost() {
        return host;
    }

    @Override
    public Long getMaxBodySize() {
        return maxBodySize;
    }

    /** Connections open now. */
    public int getOpenConnections() {
        return openConnections.get();
    }

    @Override
    protected void doInit() throws Exception {
        vertx = getVertx();
        if (vertx == null) {
            vertx = lookupVertx();
        }
        if (vertx == null) {
            vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(workerThreads));
            ownVertx = true;
        }
        router = Router.router(vertx);
        router.route().order(Integer.MIN_VALUE).handler(this::requestArrived);
        BodyHandler bodies = BodyHandler.create(false).setBodyLimit(maxBodySize);
        VertxPlatformHttpRouter platformRouter = new VertxPlatformHttpRouter(this, vertx, router,
                VertxPlatformHttpRouter.getRouterNameFromPort(port), VertxPlatformHttpRouter.SERVER_TYPE_SERVER) {
            @Override
            public Handler<RoutingContext> bodyHandler() {
                return context -> {
                    context.request().resume();
                    bodies.handle(context);
                };
            }
        };
        // the platform-http routes find this router by the port their engine reads from this
        // configuration, or as the router of "port 0" when the port is chosen at start
        VertxPlatformHttpServerConfiguration configuration = new VertxPlatformHttpServerConfiguration();
        configuration.setBindHost(host);
        configuration.setBindPort(port);
        CamelContext context = getCamelContext();
        context.getRegistry().bind("humaWebhookServerConfiguration", configuration);
        context.getRegistry().bind(VertxPlatformHttpRouter.getRouterNameFromPort(port), platformRouter);
        context.getRegistry().bind(VertxPlatformHttpRouter.PLATFORM_HTTP_ROUTER_NAME_ZERO, platformRouter);
        context.addStartupListener(new ExtendedStartupListener() {
            @Override
            public void onCamelContextStarting(CamelContext camelContext, boolean alreadyStarted) throws Exception {
                if (!destroyed) {
                    start();
                }
            }

            @Override
            public void onCamelContextStarted(CamelContext camelContext, boolean alreadyStarted) {
                // called before the routes start; onCamelContextFullyStarted warms them up
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext camelContext, boolean alreadyStarted) {
                routesStarted = true;
                if (!destroyed && server != null) {
                    // on a thread of its own: the start-up thread holds the CamelContext's locks
                    int actualPort = server.actualPort();
                    ExecutorService thread = camelContext.getExecutorServiceManager()
                            .newSingleThreadExecutor(WebhookServer.this, "edge-warm-up");
                    WarmUpMarker marker = camelContext.getRegistry().lookupByNameAndType("humaWarmUp", WarmUpMarker.class);
                    warmUp.setMarker(marker);
                    if (marker != null) {
                        marker.warmingUp();
                    }
                    thread.execute(() -> {
                        try {
                            warmUp.run(vertx, actualPort, pathPrefix);
                        } finally {
                            if (marker != null) {
                                marker.warm();
                            }
                            ready.complete(null);
                        }
                    });
                    thread.shutdown();
                }
            }
        });
    }

    @Override
    protected void doStart() throws Exception {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setIdleTimeout(idleTimeout)
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setHttp2ClearTextEnabled(false)
                .setHandle100ContinueAutomatically(true);
        HttpServer created = vertx.createHttpServer(options)
                .connectionHandler(this::connectionOpened)
                .requestHandler(router);
        created.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        server = created;
        LOG.info("Webhook receiver listening on {}:{} (idle time-out {} s, request read time-out {} s, at most {} connections, bodies up to {} bytes)",
                host, server.actualPort(), idleTimeout, requestReadTimeout, maxConnections, maxBodySize);
    }

    @Override
    protected void doStop() throws Exception {
        destroyed = true;
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            server = null;
        }
        if (ownVertx && vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        vertx = null;
        ownVertx = false;
    }

    private void connectionOpened(HttpConnection connection) {
        int open = openConnections.incrementAndGet();
        ConnectionState state = new ConnectionState(connection);
        connection.closeHandler(closed -> {
            openConnections.decrementAndGet();
            ConnectionState gone = connections.remove(connection);
            if (gone != null) {
                gone.closed();
            }
        });
        if (open > maxConnections) {
            refused();
            connection.close();
            return;
        }
        connections.put(connection, state);
        state.awaitRequest();
    }

    private void requestArrived(RoutingContext context) {
        ConnectionState state = connections.get(context.request().connection());
        String path = context.request().path();
        boolean[] answeredHere = {false};
        context.addEndHandler(ended -> {
            if (state != null) {
                state.requestEnded();
            }
            int status = context.response().getStatusCode();
            // the routes count what they answer; the server counts what never reached them: a method
            // other than POST (405), a body over the limit (413), a webhook before the routes run (503)
            if (answeredHere[0] || status == 405 || status == 413) {
                HumaMetrics counter = metrics();
                if (counter != null) {
                    counter.answered(withoutPrefix(path), status);
                }
            }
        });
        if (state != null) {
            state.requestStarted();
        }
        if ("/".equals(path)) {
            hello(context);
            return;
        }
        if (!routesStarted) {
            // listening before the routes are there: a webhook would find no route (404, which Huma
            // does not retry soon); say "come back" instead
            answeredHere[0] = true;
            context.response().setStatusCode(503).putHeader("Retry-After", "1")
                    .putHeader("Content-Type", "application/json").end("{\"error\":\"Service Unavailable\"}");
            return;
        }
        context.next();
    }

    /**
     * {@code GET /}, as the seed had it: {@code hello!} once the edge is warm, so that a burst of
     * webhooks right after start-up is answered within Huma's deadline; 503 {@code starting} until then.
     */
    private void hello(RoutingContext context) {
        if (context.request().method() != io.vertx.core.http.HttpMethod.GET) {
            context.response().setStatusCode(405).putHeader("Allow", "GET").end();
        } else if (isReady()) {
            context.response().putHeader("Content-Type", "text/plain").end("hello!");
        } else {
            context.response().setStatusCode(503).putHeader("Retry-After", "1")
                    .putHeader("Content-Type", "text/plain").end("starting");
        }
    }

    private String withoutPrefix(String path) {
        return !pathPrefix.isEmpty() && path.startsWith(pathPrefix) ? path.substring(pathPrefix.length()) : path;
    }

    private HumaMetrics metrics() {
        HumaMetrics found = metrics;
        if (found == null && getCamelContext() != null) {
            found = getCamelContext().getRegistry().lookupByNameAndType("humaMetrics", HumaMetrics.class);
            metrics = found;
        }
        return found;
    }

    private void refused() {
        long refused = refusedConnections.incrementAndGet();
        long now = System.currentTimeMillis();
        long last = lastRefusalLog.get();
        if (now - last >= REFUSAL_LOG_INTERVAL_MILLIS && lastRefusalLog.compareAndSet(last, now)) {
            LOG.warn("{} connection(s) closed at once so far: more than huma.http.max-connections ({}) open", refused,
                    maxConnections);
        }
    }

    /** The time a connection has for its next request; runs on the connection's event loop. */
    private final class ConnectionState {

        private final HttpConnection connection;
        private long timer = -1;
        private int inFlight;

        ConnectionState(HttpConnection connection) {
            this.connection = connection;
        }

        void awaitRequest() {
            cancel();
            timer = vertx.setTimer(TimeUnit.SECONDS.toMillis(requestReadTimeout), fired -> {
                timer = -1;
                connection.close();
            });
        }

        /** The deadline set when the connection became ready runs on through the body and the answer. */
        void requestStarted() {
            inFlight++;
        }

        void requestEnded() {
            inFlight = Math.max(0, inFlight - 1);
            if (inFlight == 0) {
                awaitRequest();
            }
        }

        void closed() {
            cancel();
        }

        private void cancel() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
    }
}
