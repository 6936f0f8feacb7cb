package ai.huma.camel;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of the webhook edge ({@code /observe/health/ready} on the management port): up once the
 * webhook server listens and has been warmed up, so that Huma's first webhooks are answered within
 * its deadline (the same state {@code GET /} reports on the webhook port).
 */
public class EdgeHealthCheck extends AbstractHealthCheck {

    private WebhookServer server;

    public EdgeHealthCheck() {
        super("huma", "huma-edge");
    }

    public void setServer(WebhookServer server) {
        this.server = server;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        boolean ready = server != null && server.isReady();
        builder.detail("port", server == null ? -1 : server.getPort());
        builder.detail("open.connections", server == null ? 0 : server.getOpenConnections());
        if (ready) {
            builder.up();
        } else {
            builder.message("the webhook receiver is starting or warming up").down();
        }
    }
}
