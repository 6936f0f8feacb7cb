package ai.huma.camel.runtime;

import java.net.BindException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import ai.huma.camel.observe.HumaMetrics;
import ai.huma.camel.edge.SourceAllowList;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.CamelContextHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone jar's HTTP server for the webhooks (a host serves them with its own server):
 * Camel's platform-http routes ({@code platform-http:/api/...}) on a Vert.x server of our own, with
 * what a server facing the internet needs and Camel 4.18's {@code VertxPlatformHttpServer} does not
 * let one set (it makes its {@code HttpServerOptions} itself). Its settings are the
 * {@code huma.http.*}, {@code huma.host} and {@code huma.port} properties:
 * <ul>
 * <li>{@code idleTimeout}: a connection on which no byte moves either way for that long is closed;</li>
 * <li>{@code requestReadTimeout} and {@code maxConnections}: {@link ConnectionLimits};</li>
 * <li>bodies over {@code maxBodySize} are answered 413 and never buffered further; no file uploads
 * are written; no HTTP/2 over clear text (Huma calls with HTTP/1.1); {@code Expect: 100-continue}
 * is answered at once.</li>
 * </ul>
 * It answers {@code GET /} (readiness) itself, and webhooks that come before the routes run
 * ({@link OwnAnswers}). The routes find its router as Camel's own ({@link PlatformHttpRouterBinding}).
 * <p>
 * Lifecycle ({@link #install}): the launcher installs it before the routes are built, so that it
 * prepares the router the routes attach to; it listens when the CamelContext starts, before the
 * routes take requests; once they all run, it warms the edge up ({@link EdgeWarmUp}) and only then
 * reports ready; it stops with the CamelContext.
 */
public class WebhookServer extends ServiceSupport implements CamelContextAware {

    /** Its name in the Camel registry. */
    public static final String NAME = "humaWebhookServer";

    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);

    private String host = "0.0.0.0";
    private int port = 5001;
    private long maxBodySize = 1024 * 1024;
    private int idleTimeout = 30;
    private int requestReadTimeout = 20;
    private int maxConnections = 1000;
    private int workerThreads = VertxOptions.DEFAULT_WORKER_POOL_SIZE;
    private String pathPrefix = "";

    private final EdgeWarmUp warmUp = new EdgeWarmUp();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private CamelContext camelContext;
    private volatile HumaMetrics metrics;
    private Vertx vertx;
    private boolean ownVertx;
    private Router router;
    private ConnectionLimits limits;
    private volatile HttpServer server;
    private volatile boolean destroyed;
    /** False while the server listens but the routes are not all started: then every webhook is a 503. */
    private volatile boolean routesStarted;

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

    /** True once the server listens and the edge has been warmed up: what readiness reports. */
    public boolean isReady() {
        return server != null && warmUp.isDone();
    }

    /** Completes when {@link #isReady()} becomes true (the launcher's ready line). */
    public CompletionStage<Void> whenReady() {
        return ready;
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
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    /** The port it listens on, once it listens; the configured one before. */
    public int getPort() {
        HttpServer listening = server;
        return listening != null ? listening.actualPort() : port;
    }

    /** Connections open now. */
    public int getOpenConnections() {
        return limits != null ? limits.openConnections() : 0;
    }

    @Override
    protected void doInit() throws Exception {
        vertx = CamelContextHelper.findSingleByType(camelContext, Vertx.class);
        if (vertx == null) {
            vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(workerThreads));
            ownVertx = true;
        }
        limits = new ConnectionLimits(vertx, maxConnections, requestReadTimeout);
        router = Router.router(vertx);
        router.route().order(Integer.MIN_VALUE)
                .handler(limits::requestArrived)
                .handler(new OwnAnswers(this::isReady, () -> routesStarted, pathPrefix, this::metrics));
        BodyHandler bodies = BodyHandler.create(false).setBodyLimit(maxBodySize);
        Handler<RoutingContext> bodyHandler = context -> {
            context.request().resume();
            bodies.handle(context);
        };
        PlatformHttpRouterBinding.bind(camelContext, vertx, router, host, port, bodyHandler, () -> server);
        camelContext.addStartupListener(new ExtendedStartupListener() {
            @Override
            public void onCamelContextStarting(CamelContext context, boolean alreadyStarted) throws Exception {
                if (!destroyed) {
                    start();
                }
            }

            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                // called before the routes start; onCamelContextFullyStarted warms them up
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
                routesStarted = true;
                HttpServer listening = server;
                if (!destroyed && listening != null) {
                    warmUp.start(context, WebhookServer.this, vertx, listening.actualPort(), pathPrefix,
                            () -> ready.complete(null));
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
                .connectionHandler(limits::opened)
                .requestHandler(router);
        try {
            created.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BindException taken) {
                throw new PortTakenException(host, port, "huma.port", "HUMA_PORT", taken);
            }
            throw e;
        }
        server = created;
        LOG.info("Webhook receiver listening on {}:{} (idle time-out {} s, request read time-out {} s, at most {} connections, bodies up to {} bytes)",
                host, created.actualPort(), idleTimeout, requestReadTimeout, maxConnections, maxBodySize);
    }

    @Override
    protected void doStop() throws Exception {
        destroyed = true;
        HttpServer listening = server;
        if (listening != null) {
            listening.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            server = null;
        }
        if (ownVertx && vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        vertx = null;
        ownVertx = false;
    }

    private HumaMetrics metrics() {
        HumaMetrics found = metrics;
        if (found == null && camelContext != null) {
            found = camelContext.getRegistry().lookupByNameAndType("humaMetrics", HumaMetrics.class);
            metrics = found;
        }
        return found;
    }
}
