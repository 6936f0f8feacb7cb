package ai.huma.camel.ask;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What the bundle asked Huma and what it still waits for, as {@link Tickets} keeps it, one JSON file
 * per ticket ({@code <ticket_number>.json}, in {@code huma.tickets.dir}; closed ones in its
 * {@code closed/} folder, with their subscription and conversion ids):
 * <ul>
 * <li>{@code waiting-answer}: asked; the question's webhook (or a poll) has not come;</li>
 * <li>{@code waiting-visual}: answered; the visual asked for has not come;</li>
 * <li>{@code dead-letter}: the answer or the visual is a dead letter; not polled, its replay goes on;</li>
 * <li>{@code closed}: everything asked for was done, or Huma rejected it, or it was given up
 * ({@code outcome} says which).</li>
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ticket_number", "question", "commands", "subscribe", "visual", "state", "outcome", "asked_at",
        "waiting_since", "last_polled_at", "polls", "queued_at", "subscribed_id", "conversion_id", "closed_at"})
public class Ticket {

    public static final String WAITING_ANSWER = "waiting-answer";
    public static final String WAITING_VISUAL = "waiting-visual";
    public static final String DEAD_LETTER = "dead-letter";
    public static final String CLOSED = "closed";

    /** The visual asked for. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Visual(@JsonProperty("file_type") String fileType, @JsonProperty("visual_type") String visualType) {
    }

    @JsonProperty("ticket_number")
    public String ticketNumber;
    @JsonProperty("question")
    public String question;
    @JsonProperty("commands")
    public List<Object> commands;
    @JsonProperty("subscribe")
    public boolean subscribe;
    @JsonProperty("visual")
    public Visual visual;
    @JsonProperty("state")
    public String state;
    @JsonProperty("outcome")
    public String outcome;
    @JsonProperty("asked_at")
    public String askedAt;
    @JsonProperty("waiting_since")
    public String waitingSince;
    @JsonProperty("last_polled_at")
    public String lastPolledAt;
    @JsonProperty("polls")
    public int polls;
    /** When a poll last queued it for its worker (not polled again before huma.reconcile.after). */
    @JsonProperty("queued_at")
    public String queuedAt;
    @JsonProperty("subscribed_id")
    public String subscribedId;
    @JsonProperty("conversion_id")
    public String conversionId;
    @JsonProperty("closed_at")
    public String closedAt;

    /** Set by {@link Tickets#due}: waited past huma.reconcile.give-up. */
    @JsonIgnore
    boolean givenUp;

    @JsonIgnore
    public String getTicketNumber() {
        return ticketNumber;
    }

    @JsonIgnore
    public String getQuestion() {
        return question;
    }

    @JsonIgnore
    public String getAskedAt() {
        return askedAt;
    }

    @JsonIgnore
    public String getState() {
        return state;
    }

    @JsonIgnore
    public String getSubscribedId() {
        return subscribedId;
    }

    @JsonIgnore
    public String getConversionId() {
        return conversionId;
    }

    /** True when it waits for its question's answer (else for its visual). */
    @JsonIgnore
    public boolean isWaitingForAnswer() {
        return WAITING_ANSWER.equals(state);
    }

    /** True while a webhook or a poll may still bring something: waiting for the answer or the visual. */
    @JsonIgnore
    public boolean isOpen() {
        return WAITING_ANSWER.equals(state) || WAITING_VISUAL.equals(state);
    }

    /** Subscribing was asked for and is not done. */
    @JsonIgnore
    public boolean isSubscriptionPending() {
        return subscribe && subscribedId == null;
    }

    /** A visual was asked for and not requested yet. */
    @JsonIgnore
    public boolean isVisualPending() {
        return visual != null && conversionId == null;
    }

    /** Waited past huma.reconcile.give-up (set when it is found due). */
    @JsonIgnore
    public boolean isGivenUp() {
        return givenUp;
    }

    /** The event whose webhook it waits for: Questions/Computed or Histories/Visualized. */
    @JsonIgnore
    public String getEventName() {
        return isWaitingForAnswer() ? "Questions/Computed" : "Histories/Visualized";
    }

    /** The id it waits for: the ticket number, or the conversion id. */
    @JsonIgnore
    public String getWaitingFor() {
        return isWaitingForAnswer() ? ticketNumber : conversionId;
    }

    /** The status call of what it waits for. */
    @JsonIgnore
    public String getStatusPath() {
        return isWaitingForAnswer() ? "/v1/questions/" + ticketNumber + "/status"
                : "/v1/histories/" + conversionId + "/visual/status";
    }

    /** How long it has waited, for the log: "12 min", "40 s". */
    @JsonIgnore
    public String getWaited() {
        long seconds = Math.max(0, Instant.now().getEpochSecond() - waitingSince().getEpochSecond());
        return seconds >= 120 ? seconds / 60 + " min" : seconds + " s";
    }

    /** When it began to wait for what it waits for (now, when the record does not say). */
    Instant waitingSince() {
        return instant(waitingSince);
    }

    /** An ISO instant of the record; now, when it is missing or not one. */
    static Instant instant(String text) {
        try {
            return text == null ? Instant.now() : Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            return Instant.now();
        }
    }

    @Override
    public String toString() {
        return "ticket " + ticketNumber + " (" + state + ")";
    }
}
