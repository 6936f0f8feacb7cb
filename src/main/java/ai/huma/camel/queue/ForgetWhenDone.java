package ai.huma.camel.queue;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * The worker's first step in journal mode: once the worker has finished with its event, whichever way
 * (a result, a duplicate, a question with nothing to fetch, a dead letter), the event's record leaves
 * the journal ({@link EventJournal}). A stop that cuts the worker short leaves the record, and the
 * event is worked again after the restart: the dead-letter route rolls such an event back instead of
 * writing it, and the shutdown drain leaves it alone. Keeps the key in the {@code humaJournalKey}
 * property, which says so to both.
 */
public class ForgetWhenDone implements Processor {

    /** The exchange property with the event's key in the journal, while its worker has it. */
    public static final String KEY_PROPERTY = "humaJournalKey";

    private EventJournal journal;

    public void setJournal(EventJournal journal) {
        this.journal = journal;
    }

    @Override
    public void process(Exchange exchange) {
        Long key = exchange.getMessage().getHeader(EventJournal.KEY_HEADER, Long.class);
        if (key == null || journal == null || !journal.isEnabled()) {
            return;
        }
        exchange.setProperty(KEY_PROPERTY, key);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onComplete(Exchange finished) {
                // rolled back by the dead-letter route (a stop cut it short): worked again after the restart
                if (!finished.isRollbackOnly()) {
                    journal.forgetKey(key);
                }
            }

            @Override
            public void onFailure(Exchange failed) {
                // cut short by a stop: worked again after the restart; any other failure outside the
                // dead letter channel is written as a dead letter by the shutdown drain
                if (!failed.getContext().isStopping()) {
                    journal.forgetKey(key);
                }
            }
        });
    }
}
