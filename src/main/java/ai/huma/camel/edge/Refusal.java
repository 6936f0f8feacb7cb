package ai.huma.camel.edge;

import org.apache.camel.Exchange;

/**
 * What the edge's route {@code huma-webhook-refuse} reads to answer and log a refused webhook: the
 * HTTP status ({@value #STATUS}), the reason given to the caller ({@value #ERROR}) and the reason
 * written to the log ({@value #LOG}). Each check of the edge that refuses a webhook sets them.
 */
public final class Refusal {

    public static final String STATUS = "humaStatus";
    public static final String ERROR = "humaError";
    public static final String LOG = "humaRefusal";

    private Refusal() {
    }

    /** Marks the webhook refused with this status and these reasons; returns true, for a predicate. */
    public static boolean refuse(Exchange exchange, int status, String error, String logReason) {
        exchange.setProperty(STATUS, status);
        exchange.setProperty(ERROR, error);
        exchange.setProperty(LOG, logReason);
        return true;
    }
}
