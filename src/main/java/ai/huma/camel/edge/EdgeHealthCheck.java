package ai.huma.camel.edge;


import java.util.List;
import java.util.Map;

import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of the webhook edge ({@code huma-edge}): up once the three webhook routes run (their
 * paths are served by the HTTP engine) and, in the standalone jar, once the edge has been warmed up
 * ({@link WarmUpMarker}), so that Huma's first webhooks are answered within its deadline.
 */
public class EdgeHealthCheck extends AbstractHealthCheck {

    /** The route ids of the webhook routes start with this. */
    static final String WEBHOOK_ROUTES = "huma-webhook-";

    private WarmUpMarker warmUp;

    public EdgeHealthCheck() {
        super("huma", "huma-edge");
    }

    public void setWarmUp(WarmUpMarker warmUp) {
        this.warmUp = warmUp;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<Route> webhooks = getCamelContext().getRoutes().stream()
                .filter(route -> route.getRouteId().startsWith(WEBHOOK_ROUTES))
                .filter(route -> route.getEndpoint().getEndpointUri().startsWith("platform-http:"))
                .toList();
        long started = webhooks.stream()
                .filter(route -> getCamelContext().getRouteController().getRouteStatus(route.getRouteId()) == ServiceStatus.Started)
                .count();
        boolean warm = warmUp == null || warmUp.isWarm();
        builder.detail("webhook.routes", webhooks.size());
        builder.detail("webhook.routes.started", started);
        builder.detail("warm", warm);
        if (!webhooks.isEmpty() && started == webhooks.size() && warm) {
            builder.up();
        } else {
            builder.message(webhooks.isEmpty() || started < webhooks.size() ? "the webhook routes are not all started"
                    : "the webhook receiver is warming up").down();
        }
    }
}
