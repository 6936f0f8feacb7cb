package ai.huma.camel.ask;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import ai.huma.camel.event.HumaEvent;
import ai.huma.camel.fetch.HumaIds;
import ai.huma.camel.fetch.QuestionNotComputed;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tickets the bundle asked Huma for (bean {@code humaTickets}), kept on disk so that they outlive
 * a restart: one JSON file per ticket in {@code huma.tickets.dir} (written whole to a temporary file
 * and renamed, so a crash never leaves half a record), moved to its {@code closed/} folder once
 * nothing more will come. It answers the routes of {@code routes/huma-ask.camel.yaml}:
 * <ul>
 * <li>{@link #asked}: a question Huma accepted ({@code huma-ask});</li>
 * <li>{@link #followUp}: at the end of a worker, the ticket whose question or visual it worked, with
 * what is left to do (subscribe, ask for the visual), or null;</li>
 * <li>{@link #due}: the tickets that have waited longer than {@code huma.reconcile.after} for their
 * webhook, for the reconciliation to poll; those past {@code huma.reconcile.give-up} marked given up;</li>
 * <li>{@link #polled}: what a status call said, as the webhook payload it stands for;</li>
 * <li>{@link #deadLettered}: a ticket whose event became a dead letter is no longer polled.</li>
 * </ul>
 * A ticket is followed up by one worker at a time: a webhook and a poll of the same question that meet
 * (the second is dropped as a duplicate by the worker, and only asks for what the first left undone).
 */
public class Tickets {

    /** The bean's name in the registry. */
    public static final String NAME = "humaTickets";
    /** The event name of a request to ask Huma, in the logs and its dead letters. */
    public static final String ASK_EVENT = "Questions/Ask";
    static final String TICKET_NUMBER = "ticket_number";

    private static final Logger LOG = LoggerFactory.getLogger(Tickets.class);

    private final JsonMapper json = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final Map<String, Ticket> open = new ConcurrentHashMap<>();
    /** Tickets being followed up by a worker now. */
    private final Set<String> followedUp = ConcurrentHashMap.newKeySet();
    private Path dir;
    private Duration after = Duration.ofMinutes(10);
    private Duration giveUp = Duration.ofHours(24);
    private volatile boolean loaded;

    public void setDir(String dir) {
        this.dir = Path.of(dir);
    }

    /** huma.reconcile.after, in milliseconds. */
    public void setAfter(long millis) {
        this.after = Duration.ofMillis(millis);
    }

    /** huma.reconcile.give-up, in milliseconds. */
    public void setGiveUp(long millis) {
        this.giveUp = Duration.ofMillis(millis);
    }

    /** A question Huma accepted: its ticket, recorded before the request leaves its inbox. */
    public Ticket asked(AskRequest request, Map<String, Object> answer) {
        Ticket ticket = new Ticket();
        ticket.ticketNumber = HumaIds.requireId(answer == null ? null : answer.get(TICKET_NUMBER), TICKET_NUMBER);
        ticket.question = request.question();
        ticket.commands = request.commands().isEmpty() ? null : request.commands();
        ticket.subscribe = request.subscribe();
        ticket.visual = request.wantsVisual() ? new Ticket.Visual(request.fileType(), request.visualType()) : null;
        ticket.state = Ticket.WAITING_ANSWER;
        ticket.askedAt = Instant.now().toString();
        ticket.waitingSince = ticket.askedAt;
        synchronized (this) {
            load();
            Ticket known = open.get(ticket.ticketNumber);
            if (known != null) {
                return known; // its webhook came first and is being worked
            }
            save(ticket);
            open.put(ticket.ticketNumber, ticket);
        }
        return ticket;
    }

    /**
     * A ticket record given back (the replay of a ticket given up or dead-lettered): watched again from
     * now, for what it was waiting for.
     */
    public Ticket resume(AskRequest request) {
        Ticket ticket = json.convertValue(request.ticket(), Ticket.class);
        ticket.ticketNumber = HumaIds.requireId(ticket.ticketNumber, TICKET_NUMBER);
        if (ticket.conversionId != null) {
            HumaIds.requireId(ticket.conversionId, "conversion_id");
        }
        if (ticket.subscribedId != null) {
            HumaIds.requireId(ticket.subscribedId, "subscribed_id");
        }
        ticket.state = ticket.conversionId != null ? Ticket.WAITING_VISUAL : Ticket.WAITING_ANSWER;
        ticket.outcome = null;
        ticket.closedAt = null;
        ticket.waitingSince = Instant.now().toString();
        ticket.lastPolledAt = null;
        ticket.queuedAt = null;
        synchronized (this) {
            load();
            save(ticket);
            open.put(ticket.ticketNumber, ticket);
        }
        return ticket;
    }

    /**
     * At the end of a worker (or when it dropped a duplicate): the ticket of the question it worked,
     * when the bundle asked it and something is left to do, claimed by this exchange until it ends;
     * else null. A question Huma rejected closes its ticket; a visual worked closes the ticket that
     * asked for it.
     */
    public Ticket followUp(Exchange exchange) {
        HumaEvent event = HumaEvent.named(exchange.getProperty(HumaEvent.PROPERTY, String.class));
        String id = exchange.getProperty("humaResultId", String.class);
        if (event == null || id == null || !hasTickets()) {
            return null;
        }
        if (event == HumaEvent.HISTORY) {
            Ticket ticket = byConversion(id);
            if (ticket != null) {
                close(ticket, "answered; visual " + id + " written");
            }
            return null;
        }
        if (event != HumaEvent.QUESTION) {
            return null;
        }
        Ticket ticket = open.get(id);
        if (ticket == null || !ticket.isOpen() && !Ticket.DEAD_LETTER.equals(ticket.state)) {
            return null;
        }
        String status = exchange.getProperty(QuestionNotComputed.STATUS_PROPERTY, String.class);
        if (status != null && status.contains("rejected")) {
            close(ticket, "rejected by Huma (status '" + status + "')");
            return null;
        }
        if (status != null && !status.isEmpty() && !"succeeded".equals(status)) {
            return null; // a status the bundle does not know: still waiting
        }
        if (!followedUp.add(id)) {
            return null; // a worker is at it now (a webhook and a poll met)
        }
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                followedUp.remove(id);
            }
        });
        return ticket;
    }

    /** The body of {@code POST /v1/subscription/create}. */
    public String subscriptionBody(Ticket ticket) throws IOException {
        return json.writeValueAsString(Map.of(TICKET_NUMBER, ticket.ticketNumber));
    }

    /** The body of {@code POST /v1/histories/visual}. */
    public String visualBody(Ticket ticket) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(TICKET_NUMBER, ticket.ticketNumber);
        body.put("file_type", ticket.visual.fileType());
        if (ticket.visual.visualType() != null) {
            body.put("visual_type", ticket.visual.visualType());
        }
        return json.writeValueAsString(body);
    }

    /** The body of {@code POST /v1/questions}. */
    public String questionBody(AskRequest request) throws IOException {
        return json.writeValueAsString(request.questionBody());
    }

    /** Huma created the subscription: its id, recorded. */
    public synchronized String subscribed(Ticket ticket, Map<String, Object> answer) {
        ticket.subscribedId = HumaIds.requireId(answer == null ? null : answer.get("subscribed_id"), "subscribed_id");
        save(ticket);
        return ticket.subscribedId;
    }

    /** Huma took the request for a visual: its conversion id, recorded. */
    public synchronized String visualRequested(Ticket ticket, Map<String, Object> answer) {
        ticket.conversionId = HumaIds.requireId(answer == null ? null : answer.get("conversion_id"), "conversion_id");
        save(ticket);
        return ticket.conversionId;
    }

    /**
     * The follow-up is done: the ticket now waits for its visual (from now on, for the reconciliation),
     * or, with nothing left to wait for, is closed.
     */
    public synchronized void settle(Ticket ticket) {
        if (Ticket.CLOSED.equals(ticket.state)) {
            return; // its visual came already, and closed it
        }
        if (ticket.conversionId != null) {
            ticket.state = Ticket.WAITING_VISUAL;
            ticket.waitingSince = Instant.now().toString();
            ticket.lastPolledAt = null;
            ticket.queuedAt = null;
            save(ticket);
        } else {
            close(ticket, "answered" + (ticket.subscribedId != null ? "; subscribed as " + ticket.subscribedId : ""));
        }
    }

    /**
     * The tickets that have waited for their webhook longer than huma.reconcile.after, oldest first;
     * those that waited longer than huma.reconcile.give-up are marked {@link Ticket#isGivenUp}.
     */
    public List<Ticket> due() {
        if (!hasTickets()) {
            return List.of();
        }
        Instant now = Instant.now();
        List<Ticket> due = new ArrayList<>();
        for (Ticket ticket : open.values()) {
            if (ticket.isOpen() && !followedUp.contains(ticket.ticketNumber)
                    && !ticket.waitingSince().plus(after).isAfter(now)
                    && (ticket.queuedAt == null || !Ticket.instant(ticket.queuedAt).plus(after).isAfter(now))) {
                ticket.givenUp = !ticket.waitingSince().plus(giveUp).isAfter(now);
                due.add(ticket);
            }
        }
        due.sort(Comparator.comparing(Ticket::waitingSince));
        return due;
    }

    /**
     * What the status call of a ticket said: the payload of the webhook it stands for, when the
     * question or the visual is done (succeeded or rejected), to be worked as that webhook; null
     * while Huma still computes it. {@code event} is what the ticket waited for when the call was
     * made: a webhook may have been worked meanwhile, and the worker then drops this as a duplicate.
     */
    public synchronized String polled(Ticket ticket, String event, Map<String, Object> status) throws IOException {
        if (ticket.isOpen()) {
            ticket.lastPolledAt = Instant.now().toString();
            ticket.polls++;
            save(ticket);
        }
        if (HumaEvent.named(event) == HumaEvent.QUESTION) {
            Object questionStatus = status == null ? null : status.get("question_status");
            if ("succeeded".equals(questionStatus) || questionStatus instanceof String text && text.contains("rejected")) {
                rearm(ticket);
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("question", ticket.question);
                payload.put("question_status", questionStatus);
                payload.put(TICKET_NUMBER, ticket.ticketNumber);
                return json.writeValueAsString(payload);
            }
            return null;
        }
        Object visualStatus = status == null ? null : status.get("status");
        if ("succeeded".equals(visualStatus)) {
            rearm(ticket);
            return json.writeValueAsString(Map.of("conversion_id", ticket.conversionId));
        }
        if (visualStatus instanceof String text && (text.contains("fail") || text.contains("rejected")) && ticket.isOpen()) {
            LOG.warn("Ticket {}: Huma could not make its visual {} (status '{}'); closed without it", ticket.ticketNumber,
                    ticket.conversionId, text);
            close(ticket, "visual " + ticket.conversionId + " not made by Huma (status '" + text + "')");
        }
        return null;
    }

    /**
     * Queued for its worker by a poll: not polled again before another huma.reconcile.after, should
     * the worker not close it (another instance's worker took the event, or the queue refused it).
     */
    private void rearm(Ticket ticket) {
        if (ticket.isOpen()) {
            ticket.queuedAt = Instant.now().toString();
            save(ticket);
        }
    }

    /** The ticket's record as JSON: the payload of its dead letter when it is given up (replayed: watched again). */
    public String record(Ticket ticket) throws IOException {
        return json.writeValueAsString(ticket);
    }

    /** Waited past huma.reconcile.give-up: the exception its dead letter gives as the reason. */
    public void giveUp(Ticket ticket) {
        throw new TicketGivenUpException("no " + (ticket.isWaitingForAnswer() ? "answer to ticket " + ticket.ticketNumber
                : "visual " + ticket.conversionId + " of ticket " + ticket.ticketNumber) + " after " + ticket.getWaited()
                + " (" + ticket.polls + " status call(s), no webhook)");
    }

    /**
     * A dead letter was written (huma-dead-letter): a ticket given up is closed (its dead letter holds
     * it, to be replayed); a ticket whose question or visual event failed is no longer polled (the
     * dead letter's replay goes on with it).
     */
    public void deadLettered(@ExchangeProperty(HumaEvent.PROPERTY) String event, @ExchangeProperty("humaResultId") String id,
            @ExchangeProperty("humaGivenUp") String givenUp) {
        if (!hasTickets()) {
            return;
        }
        if (ASK_EVENT.equals(event) && givenUp != null) {
            Ticket ticket = open.get(givenUp);
            if (ticket != null) {
                close(ticket, "given up: a dead letter");
            }
            return;
        }
        HumaEvent humaEvent = HumaEvent.named(event);
        Ticket ticket = humaEvent == HumaEvent.QUESTION && id != null ? open.get(id)
                : humaEvent == HumaEvent.HISTORY && id != null ? byConversion(id) : null;
        if (ticket != null && ticket.isOpen()) {
            synchronized (this) {
                ticket.state = Ticket.DEAD_LETTER;
                save(ticket);
            }
        }
    }

    /** Tickets waiting (for an answer or a visual). */
    public int getWaiting() {
        load();
        return (int) open.values().stream().filter(Ticket::isOpen).count();
    }

    /** Tickets waiting for their answer. */
    public int getWaitingForAnswer() {
        load();
        return (int) open.values().stream().filter(Ticket::isWaitingForAnswer).count();
    }

    /** Tickets whose answer or visual is a dead letter. */
    public int getDeadLettered() {
        load();
        return (int) open.values().stream().filter(ticket -> Ticket.DEAD_LETTER.equals(ticket.state)).count();
    }

    /** When the ticket that has waited longest began to wait, or null. */
    public Instant getOldestWaitingSince() {
        load();
        return open.values().stream().filter(Ticket::isOpen).map(Ticket::waitingSince)
                .min(Comparator.naturalOrder()).orElse(null);
    }

    /** The open ticket of this number, or null. */
    public Ticket ticket(String ticketNumber) {
        load();
        return open.get(ticketNumber);
    }

    private boolean hasTickets() {
        load();
        return !open.isEmpty();
    }

    private Ticket byConversion(String conversionId) {
        for (Ticket ticket : open.values()) {
            if (conversionId.equals(ticket.conversionId)) {
                return ticket;
            }
        }
        return null;
    }

    private synchronized void close(Ticket ticket, String outcome) {
        ticket.state = Ticket.CLOSED;
        ticket.outcome = outcome;
        ticket.closedAt = Instant.now().toString();
        Path closed = dir.resolve("closed");
        try {
            Files.createDirectories(closed);
            write(closed.resolve(ticket.ticketNumber + ".json"), ticket);
            Files.deleteIfExists(dir.resolve(ticket.ticketNumber + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not close the record of ticket " + ticket.ticketNumber + " in " + dir, e);
        }
        open.remove(ticket.ticketNumber);
        LOG.info("Ticket {} closed: {}", ticket.ticketNumber, outcome);
    }

    private void save(Ticket ticket) {
        try {
            Files.createDirectories(dir);
            write(dir.resolve(ticket.ticketNumber + ".json"), ticket);
        } catch (IOException e) {
            throw new UncheckedIOException("could not record ticket " + ticket.ticketNumber + " in " + dir, e);
        }
    }

    private void write(Path file, Ticket ticket) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(temp, json.writeValueAsBytes(ticket));
        try {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The open tickets on disk, read once (a ticket file that cannot be read is logged and left). */
    private void load() {
        if (loaded) {
            return;
        }
        synchronized (this) {
            if (loaded) {
                return;
            }
            if (dir != null && Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")
                            && !f.getFileName().toString().startsWith(".")).toList()) {
                        try {
                            Ticket ticket = json.readValue(file.toFile(), Ticket.class);
                            HumaIds.requireId(ticket.ticketNumber, TICKET_NUMBER);
                            if (ticket.waitingSince == null) {
                                ticket.waitingSince = Instant.now().toString();
                            }
                            open.put(ticket.ticketNumber, ticket);
                        } catch (IOException | RuntimeException e) {
                            LOG.error("Ticket record {} cannot be read ({}); left as it is", file, e.getMessage());
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("could not read the tickets in " + dir, e);
                }
                if (!open.isEmpty()) {
                    LOG.info("{} ticket(s) asked before this start are watched again (in {})", open.size(), dir);
                }
            }
            loaded = true;
        }
    }
}
