package ai.huma.camel.runtime;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import ai.huma.camel.observe.HumaMetrics;

/**
 * What the webhook server answers itself, before any platform-http route:
 * <ul>
 * <li>{@code GET /}, as the seed had it: {@code hello!} once the edge is warm, so that a burst of
 * webhooks right after start-up is answered within Huma's deadline; 503 {@code starting} until then;</li>
 * <li>a webhook that arrives while the server listens but the routes are not all started: 503 with
 * {@code Retry-After} (the route is not there yet, and a 404 Huma would not retry soon).</li>
 * </ul>
 * The routes count the webhooks they answer; this counts (huma_webhooks_total) what never reached
 * them: its own 503s, a method other than POST (405) and a body over the limit (413).
 */
final class OwnAnswers implements Handler<RoutingContext> {

    private final BooleanSupplier ready;
    private final BooleanSupplier routesStarted;
    private final String pathPrefix;
    private final Supplier<HumaMetrics> metrics;

    /**
     * @param ready         whether {@code GET /} says {@code hello!}
     * @param routesStarted whether the webhooks may go on to the routes
     * @param pathPrefix    huma.http.path-prefix, left out of the counted path
     * @param metrics       the counter, or null when there is none
     */
    OwnAnswers(BooleanSupplier ready, BooleanSupplier routesStarted, String pathPrefix, Supplier<HumaMetrics> metrics) {
        this.ready = ready;
        this.routesStarted = routesStarted;
        this.pathPrefix = pathPrefix;
        this.metrics = metrics;
    }

    @Override
    public void handle(RoutingContext context) {
        String path = context.request().path();
        boolean[] answeredHere = {false};
        context.addEndHandler(ended -> {
            int status = context.response().getStatusCode();
            if (answeredHere[0] || status == 405 || status == 413) {
                HumaMetrics counter = metrics.get();
                if (counter != null) {
                    counter.answered(withoutPrefix(path), status);
                }
            }
        });
        if ("/".equals(path)) {
            hello(context);
            return;
        }
        if (!routesStarted.getAsBoolean()) {
            answeredHere[0] = true;
            context.response().setStatusCode(503).putHeader("Retry-After", "1")
                    .putHeader("Content-Type", "application/json").end("{\"error\":\"Service Unavailable\"}");
            return;
        }
        context.next();
    }

    private void hello(RoutingContext context) {
        if (context.request().method() != HttpMethod.GET) {
            context.response().setStatusCode(405).putHeader("Allow", "GET").end();
        } else if (ready.getAsBoolean()) {
            context.response().putHeader("Content-Type", "text/plain").end("hello!");
        } else {
            context.response().setStatusCode(503).putHeader("Retry-After", "1")
                    .putHeader("Content-Type", "text/plain").end("starting");
        }
    }

    private String withoutPrefix(String path) {
        return !pathPrefix.isEmpty() && path.startsWith(pathPrefix) ? path.substring(pathPrefix.length()) : path;
    }
}
