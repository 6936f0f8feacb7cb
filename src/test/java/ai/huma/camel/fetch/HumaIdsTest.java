package ai.huma.camel.fetch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HumaIdsTest {

    private static final String OBJECT_ID = "65a1b2c3d4e5f60718293a4b";

    // --- requireId ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {OBJECT_ID, "a", "Z", "0", "_", "-", "abc_DEF-123"})
    void requireIdAcceptsAPlainId(String id) {
        assertThat(HumaIds.requireId(id, "ticket_number")).isEqualTo(id);
    }

    @Test
    void requireIdAccepts128Characters() {
        String id = "a".repeat(128);
        assertThat(HumaIds.requireId(id, "ticket_number")).isEqualTo(id);
    }

    @Test
    void requireIdRefuses129Characters() {
        assertRefused("a".repeat(129), "ticket_number");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"..", ".", "a/b", "/abc", "a\\b", "a b", " abc", "abc ", "a\tb", "abc\n", "a\u0000b",
            "a.b", "a%2Fb", "é", "a:b", "\u001B[31mred"})
    void requireIdRefusesWhatIsNotAPlainId(String id) {
        assertRefused(id, "ticket_number");
    }

    @Test
    void requireIdRefusesNumbers() {
        assertRefused(42, "ticket_number");
        assertRefused(42L, "ticket_number");
        assertRefused(4.2, "ticket_number");
    }

    @Test
    void requireIdRefusesOtherTypes() {
        assertRefused(List.of("abc"), "ticket_number");
        assertRefused(Map.of("id", "abc"), "ticket_number");
        assertRefused(true, "ticket_number");
    }

    @Test
    void refusalMessageNamesTheFieldAndHasNoControlCharacter() {
        assertThatThrownBy(() -> HumaIds.requireId("evil\r\nFAKE LOG LINE\u0000\u001B[2J\u007F\u0085", "conversion_id"))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageStartingWith("conversion_id")
                .hasMessageContaining("FAKE LOG LINE")
                .satisfies(e -> assertNoControlCharacter(e.getMessage()));
    }

    @Test
    void refusalMessageOfAHugeValueIsBounded() {
        assertThatThrownBy(() -> HumaIds.requireId("x".repeat(10_000), "ticket_number"))
                .isInstanceOf(BadHumaPayloadException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }

    @Test
    void ticketNumberAndConversionIdComeFromTheirFields() {
        assertThat(HumaIds.ticketNumber(Map.of("ticket_number", OBJECT_ID))).isEqualTo(OBJECT_ID);
        assertThat(HumaIds.conversionId(Map.of("conversion_id", OBJECT_ID))).isEqualTo(OBJECT_ID);
    }

    @Test
    void missingTicketNumberIsRefused() {
        assertThatThrownBy(() -> HumaIds.ticketNumber(Map.of()))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("ticket_number");
    }

    // --- subscribedId ------------------------------------------------------------------------------

    @Test
    void subscribedIdIsTheSecondToLastSegmentOfTheFirstLink() {
        String href = "https://api.acme.huma.ai/v1/subscription/" + OBJECT_ID + "/data";

        assertThat(HumaIds.subscribedId(payloadWithHref(href))).isEqualTo(OBJECT_ID);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "https://api.acme.huma.ai/v1/subscription/sub-1/data/",
            "https://api.acme.huma.ai/v1/subscription/sub-1/data?page=2",
            "https://api.acme.huma.ai/v1/subscription/sub-1/data#top",
            "  https://api.acme.huma.ai/v1/subscription/sub-1/data  "})
    void subscribedIdToleratesTrailingSlashQueryFragmentAndBlanks(String href) {
        assertThat(HumaIds.subscribedId(payloadWithHref(href))).isEqualTo("sub-1");
    }

    @Test
    void onlyTheFirstLinkCounts() {
        Map<String, Object> payload = Map.of("links", List.of(
                Map.of("href", "https://h/v1/subscription/first/data"),
                Map.of("href", "https://h/v1/subscription/second/data")));

        assertThat(HumaIds.subscribedId(payload)).isEqualTo("first");
    }

    @Test
    void subscribedIdRefusesAPayloadWithoutLinks() {
        assertMissingLink(Map.of());
        assertMissingLink(Map.of("links", "https://h/v1/subscription/x/data"));
        assertMissingLink(null);
    }

    @Test
    void subscribedIdRefusesAnEmptyLinkList() {
        assertMissingLink(Map.of("links", List.of()));
    }

    @Test
    void subscribedIdRefusesALinkThatIsNotAnObject() {
        assertMissingLink(Map.of("links", List.of("https://h/v1/subscription/x/data")));
        List<Object> withNull = new ArrayList<>();
        withNull.add(null);
        assertMissingLink(Map.of("links", withNull));
    }

    @Test
    void subscribedIdRefusesALinkWithoutHref() {
        assertMissingLink(Map.of("links", List.of(Map.of("rel", "data"))));
        assertMissingLink(Map.of("links", List.of(Map.of("href", 42))));
        assertMissingLink(payloadWithHref("   "));
        Map<String, Object> nullHref = new HashMap<>();
        nullHref.put("href", null);
        assertMissingLink(Map.of("links", List.of(nullHref)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a url", "https://h/v1/subscription/a b/data", "http://[bad/x/data", "https://h/x/%zz/data"})
    void subscribedIdRefusesAnHrefThatIsNotAUrl(String href) {
        assertThatThrownBy(() -> HumaIds.subscribedId(payloadWithHref(href)))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("not a URL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://h", "https://h/", "https://h/data", "mailto:someone@example.com", "data"})
    void subscribedIdRefusesAnHrefWithoutTwoSegments(String href) {
        assertThatThrownBy(() -> HumaIds.subscribedId(payloadWithHref(href)))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("links[0].href");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "https://h/v1/subscription/..%2F..%2Fetc/data",
            "https://h/v1/subscription/a%2Fb/data",
            "https://h/v1/subscription/a%2fb/data",
            "https://h/v1/subscription/..%2f/data",
            "https://h/v1/subscription/a%00b/data",
            "https://h/v1/subscription/../data",
            "https://h/v1/subscription/%2E%2E/data"})
    void subscribedIdRefusesAnEncodedOrDottedSegment(String href) {
        assertThatThrownBy(() -> HumaIds.subscribedId(payloadWithHref(href)))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("subscribed id")
                .satisfies(e -> assertNoControlCharacter(e.getMessage()));
    }

    @Test
    void subscribedIdRefusalOfABadHrefHasNoControlCharacter() {
        assertThatThrownBy(() -> HumaIds.subscribedId(payloadWithHref("bad\r\nhref\u0000 x")))
                .isInstanceOf(BadHumaPayloadException.class)
                .satisfies(e -> assertNoControlCharacter(e.getMessage()));
    }

    // --- helpers -----------------------------------------------------------------------------------

    private static Map<String, Object> payloadWithHref(String href) {
        return Map.of("links", List.of(Map.of("href", href, "rel", "data")));
    }

    private static void assertMissingLink(Map<String, Object> payload) {
        assertThatThrownBy(() -> HumaIds.subscribedId(payload))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("links[0].href is missing");
    }

    private static void assertRefused(Object id, String field) {
        assertThatThrownBy(() -> HumaIds.requireId(id, field))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageStartingWith(field + " is not a plain id")
                .satisfies(e -> assertNoControlCharacter(e.getMessage()));
    }

    private static void assertNoControlCharacter(String text) {
        assertThat(text.codePoints().filter(Character::isISOControl).toArray())
                .as("control characters in %s", text)
                .isEmpty();
    }
}
