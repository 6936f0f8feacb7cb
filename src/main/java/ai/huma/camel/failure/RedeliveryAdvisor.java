package ai.huma.camel.failure;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Runs each time a delivery attempt fails (the error handler's {@code onExceptionOccurred}):
 * records the attempts of the failing step in the exchange property {@value #ATTEMPTS}, and when Huma answered 429 or
 * 503 with a {@code Retry-After} header, makes the next redelivery wait that long (capped at the
 * configured maximum delay) instead of the exponential back-off.
 */
public class RedeliveryAdvisor implements Processor {

    public static final String ATTEMPTS = "humaAttempts";

    private long maxDelayMillis = 60_000;

    public RedeliveryAdvisor() {
    }

    public RedeliveryAdvisor(long maxDelayMillis) {
        setMaxDelay(maxDelayMillis);
    }

    /** The longest wait between two attempts, also the cap of a Retry-After (huma.retry.max-delay), ms. */
    public void setMaxDelay(long maxDelayMillis) {
        if (maxDelayMillis < 0) {
            throw new IllegalArgumentException("huma.retry.max-delay must be 0 or more, not " + maxDelayMillis);
        }
        this.maxDelayMillis = maxDelayMillis;
    }

    @Override
    public void process(Exchange exchange) {
        // attempts of the step that failed: Camel has counted this failure on the in message already
        // (not on the message a producer may have begun as its answer, as an HTTP call cut mid-body)
        exchange.setProperty(ATTEMPTS, Math.max(1, exchange.getIn().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class)));
        Exception failure = exchange.getException();
        Long delay = null;
        if (failure instanceof HttpOperationFailedException http
                && (http.getStatusCode() == 429 || http.getStatusCode() == 503)) {
            delay = retryAfterMillis(headerIgnoringCase(http, "Retry-After"));
        }
        // Camel reads the delay from the in message
        if (delay == null) {
            exchange.getIn().removeHeader(Exchange.REDELIVERY_DELAY);
        } else {
            exchange.getIn().setHeader(Exchange.REDELIVERY_DELAY, Math.min(delay, maxDelayMillis));
        }
    }

    private static String headerIgnoringCase(HttpOperationFailedException failure, String name) {
        if (failure.getResponseHeaders() == null) {
            return null;
        }
        return failure.getResponseHeaders().entrySet().stream()
                .filter(header -> name.equalsIgnoreCase(header.getKey()))
                .map(java.util.Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    /** {@code Retry-After} as delay-seconds or as an HTTP date; null when absent or unreadable. */
    static Long retryAfterMillis(String retryAfter) {
        if (retryAfter == null || retryAfter.isBlank()) {
            return null;
        }
        String value = retryAfter.strip();
        if (value.chars().allMatch(Character::isDigit)) {
            try {
                return Duration.ofSeconds(Long.parseLong(value)).toMillis();
            } catch (NumberFormatException | ArithmeticException e) {
                return Long.MAX_VALUE; // a very long wait: capped by the caller
            }
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT));
            return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
