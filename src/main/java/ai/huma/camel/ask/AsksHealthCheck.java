package ai.huma.camel.ask;

import java.time.Instant;
import java.util.Map;

import ai.huma.camel.settings.EndpointMasking;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Asking Huma, in the health ({@code huma-asks}): the inbox (masked) and whether its route runs, the
 * tickets waiting for an answer or a visual, the longest wait, and those whose answer is a dead
 * letter. Down only when the inbox's route is there and not running; it never holds back readiness
 * (the webhooks are taken either way).
 */
public class AsksHealthCheck extends AbstractHealthCheck {

    private static final String INBOX_ROUTE = "huma-inbox";

    private Tickets tickets;

    public AsksHealthCheck() {
        super("huma", "huma-asks");
    }

    public void setTickets(Tickets tickets) {
        this.tickets = tickets;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        getCamelContext().getPropertiesComponent().resolveProperty("huma.inbox.uri")
                .ifPresent(uri -> builder.detail("inbox", EndpointMasking.mask(uri)));
        Route inbox = getCamelContext().getRoute(INBOX_ROUTE);
        ServiceStatus status = inbox == null ? null : getCamelContext().getRouteController().getRouteStatus(INBOX_ROUTE);
        builder.detail("inbox.route", inbox == null ? "none" : String.valueOf(status));
        if (tickets != null) {
            builder.detail("tickets.waiting", tickets.getWaiting());
            builder.detail("tickets.waiting.answer", tickets.getWaitingForAnswer());
            builder.detail("tickets.dead-letter", tickets.getDeadLettered());
            Instant oldest = tickets.getOldestWaitingSince();
            if (oldest != null) {
                builder.detail("tickets.oldest.waiting-since", oldest.toString());
            }
        }
        getCamelContext().getPropertiesComponent().resolveProperty("huma.reconcile.after")
                .ifPresent(after -> builder.detail("reconcile.after.ms", after));
        if (inbox != null && status != ServiceStatus.Started) {
            builder.message("the inbox route is " + status + ": requests are not read").down();
        } else {
            builder.up();
        }
    }
}
