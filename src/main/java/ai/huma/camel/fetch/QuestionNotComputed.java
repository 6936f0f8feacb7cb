package ai.huma.camel.fetch;

import java.util.Map;

import ai.huma.camel.event.HumaEvent;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * The worker's check (bean {@code humaQuestionNotComputed}) that a Questions/Computed event has a
 * result to fetch: it matches a question whose {@code question_status} is not {@code succeeded}
 * (rejected, or a status the bundle does not know), and keeps the status in
 * {@value #STATUS_PROPERTY} for the log. Never matches another event.
 */
public class QuestionNotComputed implements Predicate {

    public static final String STATUS_PROPERTY = "humaQuestionStatus";

    @Override
    public boolean matches(Exchange exchange) {
        if (HumaEvent.named(exchange.getProperty(HumaEvent.PROPERTY, String.class)) != HumaEvent.QUESTION) {
            return false;
        }
        Object body = exchange.getMessage().getBody();
        Object status = body instanceof Map<?, ?> payload ? payload.get("question_status") : null;
        if ("succeeded".equals(status)) {
            return false;
        }
        exchange.setProperty(STATUS_PROPERTY, status == null ? "" : status.toString());
        return true;
    }
}
