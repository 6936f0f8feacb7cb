package ai.huma.camel.fetch;


import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Whether the Huma API takes the key ({@code GET /v1/sdk/access-permissions}), asked at most once
 * per {@code interval}. Off unless {@code huma.health.api-check.enabled}; when on, it is reported
 * in {@code /observe/health} and only holds back readiness when {@code huma.health.api-check.blocking}
 * is set: a Huma outage should not take the receiver out of a load balancer, since webhooks are
 * still queued and worked once Huma is back.
 */
public class HumaApiHealthCheck extends AbstractHealthCheck {

    private HumaApi api;
    private String endpoint;
    private String service = "questions";
    private boolean blocking;
    private long interval = 60_000;
    private long askedAt;
    private String lastError;
    private boolean lastUp;
    private ProducerTemplate template;

    public HumaApiHealthCheck() {
        super("huma", "huma-api");
    }

    public void setApi(HumaApi api) {
        this.api = api;
    }

    /** The Camel URI of the API, as the routes call it. */
    public void setEndpoint(String endpoint) {
        this.endpoint = endpoint;
    }

    /** The value of the {@code Service-access} header. */
    public void setService(String service) {
        this.service = service;
    }

    public void setBlocking(boolean blocking) {
        this.blocking = blocking;
    }

    /** Milliseconds between two questions to Huma; the answer in between is the last one. */
    public void setInterval(long interval) {
        this.interval = Math.max(1000, interval);
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public boolean isReadiness() {
        return blocking;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        long now = System.currentTimeMillis();
        if (askedAt == 0 || now - askedAt >= interval) {
            askedAt = now;
            ask();
        }
        builder.detail("blocking.readiness", blocking);
        builder.detail("url", api.getBaseUrl());
        if (lastUp) {
            builder.up();
        } else {
            builder.message(lastError).down();
        }
    }

    private void ask() {
        if (template == null) {
            template = getCamelContext().createProducerTemplate();
        }
        try {
            Exchange answer = template.request(endpoint, exchange -> {
                exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "GET");
                exchange.getMessage().setHeader(Exchange.HTTP_PATH, "/v1/sdk/access-permissions");
                exchange.getMessage().setHeader("Service-access", service);
                exchange.getMessage().setHeader("Authorization", api.authorization());
            });
            Exception failure = answer.getException();
            if (failure == null) {
                lastUp = true;
                lastError = null;
            } else {
                lastUp = false;
                lastError = failure instanceof HttpOperationFailedException http
                        ? "Huma answered " + http.getStatusCode() + (http.getStatusCode() == 401 ? ": check API_SECRET_KEY" : "")
                        : "Huma could not be asked: " + failure.getClass().getSimpleName();
            }
        } catch (RuntimeException e) {
            lastUp = false;
            lastError = "Huma could not be asked: " + e.getClass().getSimpleName();
        }
    }
}
