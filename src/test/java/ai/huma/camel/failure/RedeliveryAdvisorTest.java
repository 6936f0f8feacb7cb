package ai.huma.camel.failure;

import java.net.ConnectException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class RedeliveryAdvisorTest {

    private static final long MAX_DELAY = 60_000;
    private static final String URI = "https://api.huma.test/v1/questions";

    private final CamelContext context = new DefaultCamelContext();
    private final Exchange exchange = new DefaultExchange(context);
    private final RedeliveryAdvisor advisor = new RedeliveryAdvisor(MAX_DELAY);

    @AfterEach
    void closeContext() {
        context.stop();
    }

    // --- attempts ----------------------------------------------------------------------------------

    @Test
    void attemptsAreTheFailuresCamelCountedForTheFailingStep() {
        exchange.setException(httpFailure(500, Map.of()));

        advisor.process(exchange);
        assertThat(exchange.getProperty(RedeliveryAdvisor.ATTEMPTS)).isEqualTo(1);
        exchange.getMessage().setHeader(Exchange.REDELIVERY_COUNTER, 2);
        advisor.process(exchange);
        assertThat(exchange.getProperty(RedeliveryAdvisor.ATTEMPTS)).isEqualTo(2);
        exchange.getMessage().setHeader(Exchange.REDELIVERY_COUNTER, 3);
        advisor.process(exchange);
        assertThat(exchange.getProperty(RedeliveryAdvisor.ATTEMPTS)).isEqualTo(3);
    }

    @Test
    void aFailureOfAnotherStepCountsFromOneAgain() {
        exchange.setProperty(RedeliveryAdvisor.ATTEMPTS, 4);

        advisor.process(exchange);

        assertThat(exchange.getProperty(RedeliveryAdvisor.ATTEMPTS, Integer.class)).isEqualTo(1);
    }

    // --- Retry-After honoured ----------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {429, 503})
    void retryAfterSecondsSetTheRedeliveryDelay(int status) {
        exchange.setException(httpFailure(status, Map.of("Retry-After", "2")));

        advisor.process(exchange);

        assertThat(delayHeader()).isEqualTo(2000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"retry-after", "RETRY-AFTER", "Retry-after", "rEtRy-AfTeR"})
    void retryAfterHeaderNameIsReadInAnyCase(String name) {
        exchange.setException(httpFailure(429, Map.of(name, "3", "Content-Type", "text/plain")));

        advisor.process(exchange);

        assertThat(delayHeader()).isEqualTo(3000L);
    }

    @Test
    void retryAfterZeroGivesNoWait() {
        exchange.setException(httpFailure(503, Map.of("Retry-After", "0")));

        advisor.process(exchange);

        assertThat(delayHeader()).isZero();
    }

    @Test
    void retryAfterDateInTheFutureGivesRoughlyTheTimeUntilThen() {
        String in10Seconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(10));
        exchange.setException(httpFailure(503, Map.of("Retry-After", in10Seconds)));

        advisor.process(exchange);

        assertThat(delayHeader()).isBetween(8_000L, 10_000L);
    }

    @Test
    void retryAfterDateInThePastGivesNoWait() {
        exchange.setException(httpFailure(429, Map.of("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")));

        advisor.process(exchange);

        assertThat(delayHeader()).isZero();
    }

    @Test
    void retryAfterSecondsAreCappedAtTheMaximumDelay() {
        exchange.setException(httpFailure(429, Map.of("Retry-After", "3600")));

        new RedeliveryAdvisor(5_000).process(exchange);

        assertThat(delayHeader()).isEqualTo(5_000L);
    }

    @Test
    void retryAfterDateIsCappedAtTheMaximumDelay() {
        String inADay = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusDays(1));
        exchange.setException(httpFailure(503, Map.of("Retry-After", inADay)));

        new RedeliveryAdvisor(5_000).process(exchange);

        assertThat(delayHeader()).isEqualTo(5_000L);
    }

    @Test
    void retryAfterJustAtTheMaximumIsKept() {
        exchange.setException(httpFailure(429, Map.of("Retry-After", "5")));

        new RedeliveryAdvisor(5_000).process(exchange);

        assertThat(delayHeader()).isEqualTo(5_000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"9999999999999999", "99999999999999999999"})
    void hugeRetryAfterIsCappedAtTheMaximumDelay(String retryAfter) {
        exchange.setException(httpFailure(429, Map.of("Retry-After", retryAfter)));

        new RedeliveryAdvisor(5_000).process(exchange);

        assertThat(delayHeader()).isEqualTo(5_000L);
    }

    // --- Retry-After not honoured ------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 404, 500, 502, 504})
    void retryAfterOfAnotherStatusIsIgnored(int status) {
        exchange.setException(httpFailure(status, Map.of("Retry-After", "2")));

        advisor.process(exchange);

        assertNoDelayHeader();
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 503})
    void statusWithoutRetryAfterSetsNoDelay(int status) {
        exchange.setException(httpFailure(status, Map.of("Content-Type", "application/json")));

        advisor.process(exchange);

        assertNoDelayHeader();
    }

    @Test
    void failureWithoutResponseHeadersSetsNoDelay() {
        exchange.setException(new HttpOperationFailedException(URI, 429, "Too Many Requests", null, null, null));

        advisor.process(exchange);

        assertNoDelayHeader();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "soon", "-1", "1.5", "2s", "0x10", "Wed, 32 Oct 2015 07:28:00 GMT",
            "Wednesday, 21-Oct-15 07:28:00 GMT"})
    void unreadableRetryAfterSetsNoDelay(String retryAfter) {
        exchange.setException(httpFailure(429, Map.of("Retry-After", retryAfter)));

        advisor.process(exchange);

        assertNoDelayHeader();
    }

    @Test
    void nonHttpFailureSetsNoDelay() {
        exchange.setException(new ConnectException("Connection refused"));

        advisor.process(exchange);

        assertNoDelayHeader();
    }

    @Test
    void delayLeftFromAnEarlierAttemptIsRemoved() {
        exchange.setException(httpFailure(429, Map.of("Retry-After", "2")));
        advisor.process(exchange);
        assertThat(delayHeader()).isEqualTo(2000L);

        exchange.setException(new ConnectException("Connection refused"));
        advisor.process(exchange);

        assertNoDelayHeader();
    }

    @Test
    void delayHeaderSetBeforeIsRemovedWhenNoRetryAfterApplies() {
        exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, 1234L);
        exchange.setException(httpFailure(500, Map.of("Retry-After", "2")));

        advisor.process(exchange);

        assertNoDelayHeader();
    }

    @Test
    void delayHeaderSetBeforeIsReplacedByTheNewRetryAfter() {
        exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, 1234L);
        exchange.setException(httpFailure(503, Map.of("Retry-After", "7")));

        advisor.process(exchange);

        assertThat(delayHeader()).isEqualTo(7000L);
    }

    // --- retryAfterMillis --------------------------------------------------------------------------

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(delimiter = '|', value = {
            "0                             | 0",
            "1                             | 1000",
            "2                             | 2000",
            "' 120 '                       | 120000",
            "86400                         | 86400000",
            "007                           | 7000",
            "Wed, 21 Oct 2015 07:28:00 GMT | 0",
            "Thu, 1 Jan 1970 00:00:00 GMT  | 0",
    })
    void retryAfterMillisReadsSecondsAndDates(String retryAfter, long millis) {
        assertThat(RedeliveryAdvisor.retryAfterMillis(retryAfter)).isEqualTo(millis);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t", "soon", "-1", "+1", "1.5", "1e3", "2 s", "Wed, 21 Oct 2015", "2015-10-21T07:28:00Z"})
    void retryAfterMillisIsNullForWhatItCannotRead(String retryAfter) {
        assertThat(RedeliveryAdvisor.retryAfterMillis(retryAfter)).isNull();
    }

    @Test
    void retryAfterMillisReadsADateWithAnOffset() {
        String in20Seconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.ofHours(2)).plusSeconds(20));

        assertThat(RedeliveryAdvisor.retryAfterMillis(in20Seconds)).isBetween(18_000L, 20_000L);
    }

    // --- helpers -----------------------------------------------------------------------------------

    private static HttpOperationFailedException httpFailure(int status, Map<String, String> headers) {
        return new HttpOperationFailedException(URI, status, "Status " + status, null, headers, "{\"error\":\"x\"}");
    }

    private Long delayHeader() {
        assertThat(exchange.getMessage().getHeaders()).containsKey(Exchange.REDELIVERY_DELAY);
        return exchange.getMessage().getHeader(Exchange.REDELIVERY_DELAY, Long.class);
    }

    private void assertNoDelayHeader() {
        assertThat(exchange.getMessage().getHeaders()).doesNotContainKey(Exchange.REDELIVERY_DELAY);
    }
}
