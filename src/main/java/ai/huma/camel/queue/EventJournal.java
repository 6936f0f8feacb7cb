package ai.huma.camel.queue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import ai.huma.camel.RegisteredBean;
import ai.huma.camel.event.HumaEvent;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.SynchronizationAdapter;
import org.apache.camel.support.service.ServiceSupport;
import org.rocksdb.CompressionType;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal queue mode ({@code huma.queue.mode=journal}, the default): the in-memory queues of
 * memory mode, with a write-ahead record of every accepted event, so that a crash of the process loses
 * nothing it answered 200.
 * <ul>
 * <li>The edge writes the event (its name, when it came, its replays, its payload) here before it
 * queues it and answers (the {@code write} step, which tags it with its key in the
 * {@code HumaJournalKey} header); a webhook the queue cannot take is answered 503 and its record
 * forgotten ({@code huma-webhook-errors}).</li>
 * <li>The worker's first step ({@link ForgetWhenDone}) forgets the record once the worker has finished with the
 * event, whichever way: a result, a duplicate, a question with nothing to fetch, a dead letter. A stop
 * that cuts the worker short leaves the record.</li>
 * <li>At start, what is still recorded (what a {@code kill -9}, an out-of-memory exit or a stop cut
 * short left) is queued again for its worker ({@code direct:huma-enqueue}), oldest first, as soon as
 * the routes run. An event whose result was written just before the kill is worked again and
 * dropped as a duplicate, or written again to the same file (docs/queues.md).</li>
 * </ul>
 * RocksDB keeps the records, under {@code huma.journal.dir}: each write goes through its write-ahead
 * log into the operating system before the 200, which a dead process cannot undo. A host or power
 * loss also needs the log on the disk: {@code huma.journal.sync=true} has every write wait for it
 * (RocksDB's group commit shares one flush among the writers of that moment), at the cost that
 * bench/README.md gives. In any other queue mode this bean does nothing.
 */
public class EventJournal implements CamelContextAware, Processor {

    private static final Logger LOG = LoggerFactory.getLogger(EventJournal.class);

    /** Its name in the Camel registry. */
    public static final String NAME = "humaJournal";
    /** The header with the event's key in the journal, from the edge to its worker. */
    public static final String KEY_HEADER = "HumaJournalKey";
    private static final String ENQUEUE = "direct:huma-enqueue";
    private static final long FULL_QUEUE_PAUSE_MILLIS = 50;
    private static final long FORGET_POLL_MILLIS = 100;
    private static final int FORGET_BATCH = 1000;

    private CamelContext camelContext;
    private String mode = "journal";
    private Path dir = Path.of("data", "journal");
    private boolean sync;

    private volatile RocksDB db;
    /** Writers share it; closing takes it alone, so that no write meets a closed RocksDB (a crash of the JVM). */
    private final ReadWriteLock closing = new ReentrantReadWriteLock();
    private CompletableFuture<Void> library;
    private Options options;
    private WriteOptions writeOptions;
    /** Forgetting never waits for the disk: a record a crash brings back is worked again and dropped as a duplicate. */
    private WriteOptions forgetOptions;
    private final AtomicLong lastKey = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();
    private final BlockingQueue<Long> toForget = new LinkedBlockingQueue<>();
    private Thread forgetter;
    private volatile int recovered;
    /** False until the start has read what the journal held (once every route runs). */
    private volatile boolean read;

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    /** huma.queue.mode: the journal is kept in journal mode only. */
    public void setMode(String mode) {
        this.mode = mode == null ? "" : mode.trim();
    }

    /** huma.journal.dir: RocksDB's folder. */
    public void setDir(String dir) {
        this.dir = Path.of(dir);
    }

    /** huma.journal.sync: every write on the disk (fsync) before the 200, not only in the operating system. */
    public void setSync(boolean sync) {
        this.sync = sync;
    }

    public boolean isSync() {
        return sync;
    }

    public boolean isEnabled() {
        return "journal".equals(mode);
    }

    /** Events recorded and not yet finished by their worker. */
    public long getPending() {
        return pending.get();
    }

    /**
     * Whether this start has read what the journal held, so that {@link #getPending()} counts it too;
     * a start that failed before its routes ran has not.
     */
    public boolean isRead() {
        return read;
    }

    /** Events found in the journal at start and queued again. */
    public int getRecovered() {
        return recovered;
    }

    public Path getDir() {
        return dir;
    }

    /**
     * The bean's init method: in journal mode, the journal opens when the context starts (before any
     * route takes a webhook), queues again what it still holds once the routes run, and closes after
     * the routes have stopped. Only the instance in the registry opens it: Camel Main makes every
     * YAML bean twice, and RocksDB lets one process open a folder once.
     */
    public void joinContext() throws Exception {
        if (!isEnabled()) {
            return;
        }
        // the native library loads (about 0.3 s) while Camel builds the routes
        library = CompletableFuture.runAsync(RocksDB::loadLibrary);
        RegisteredBean.whenStarting(camelContext, NAME, this, context -> {
            if (db == null) {
                openJournal();
                // closed with the context's services, once the routes have stopped
                context.addService(new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        closeJournal();
                    }
                }, true, true);
            }
        });
        // every route runs: the workers take what is queued again
        RegisteredBean.whenFullyStarted(camelContext, NAME, this, context -> recover());
    }

    private void openJournal() throws Exception {
        if (library != null) {
            library.join();
        }
        RocksDB.loadLibrary();
        Files.createDirectories(dir);
        options = new Options()
                .setCreateIfMissing(true)
                // records live for seconds: small memtables, few files, a short info log
                .setWriteBufferSize(4L << 20)
                .setMaxWriteBufferNumber(2)
                .setMaxTotalWalSize(16L << 20)
                .setCompressionType(CompressionType.NO_COMPRESSION)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(2)
                .setStatsDumpPeriodSec(0);
        writeOptions = new WriteOptions().setSync(sync);
        forgetOptions = new WriteOptions().setSync(false);
        try {
            db = RocksDB.open(options, dir.toString());
        } catch (RocksDBException e) {
            options.close();
            writeOptions.close();
            forgetOptions.close();
            String lock = e.getMessage() != null && e.getMessage().contains("lock") ? " (another process has it open: "
                    + "two bundles cannot share one data folder, huma.data.dir)" : "";
            throw new IllegalStateException("Cannot open the event journal in " + dir.toAbsolutePath() + lock + ": "
                    + e.getMessage(), e);
        }
        try (RocksIterator last = db.newIterator()) {
            last.seekToLast();
            lastKey.set(last.isValid() ? ByteBuffer.wrap(last.key()).getLong() : 0);
        }
        forgetter = new Thread(this::forgetInBatches, "huma-journal");
        forgetter.setDaemon(true);
        forgetter.start();
        LOG.debug("Event journal open in {} (sync {})", dir.toAbsolutePath(), sync);
    }

    private void closeJournal() {
        if (forgetter != null) {
            forgetter.interrupt();
            try {
                forgetter.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<Long> left = new ArrayList<>();
            toForget.drainTo(left);
            if (!left.isEmpty()) {
                delete(left);
            }
        }
        closing.writeLock().lock();
        try {
            RocksDB open = db;
            db = null;
            if (open != null) {
                open.close();
                writeOptions.close();
                forgetOptions.close();
                options.close();
            }
        } finally {
            closing.writeLock().unlock();
        }
    }

    /**
     * The edge's step (and huma-enqueue's, for a replayed dead letter): writes the event before it is
     * queued, unless it is recorded already (queued again at start), and tags it with its key. In: the
     * payload as the body, the HumaEvent, HumaReceivedAt and HumaReplays headers.
     */
    @Override
    public void process(Exchange exchange) throws Exception {
        if (!isEnabled() || exchange.getMessage().getHeader(KEY_HEADER) != null) {
            return;
        }
        byte[] record = Record.of(exchange).encode();
        long key = lastKey.incrementAndGet();
        closing.readLock().lock();
        try {
            RocksDB open = db;
            if (open == null) {
                // never a 200 for an event that is not written: the edge answers 503 and Huma tries again
                throw new IllegalStateException("the event journal is not open (the bundle is starting or stopping)");
            }
            open.put(writeOptions, key(key), record);
        } finally {
            closing.readLock().unlock();
        }
        pending.incrementAndGet();
        exchange.getMessage().setHeader(KEY_HEADER, key);
        // a replay whose queue refused it fails its exchange: the record goes (the webhook's refusal is
        // handled, and huma-webhook-errors forgets it); never handed over to the worker's copy
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onFailure(Exchange failed) {
                forgetKey(key);
            }

            @Override
            public boolean allowHandover() {
                return false;
            }
        });
    }

    /** The event whose record this is will not be worked (its queue refused it): the record goes. */
    public void forget(Exchange exchange) {
        Long key = exchange.getMessage().getHeader(KEY_HEADER, Long.class);
        if (key != null) {
            forgetKey(key);
            exchange.getMessage().removeHeader(KEY_HEADER);
        }
    }

    /**
     * The worker has finished with the event (ForgetWhenDone): its record goes, a moment later, with
     * others, on the journal's own thread. The worker never waits for it: with huma.journal.sync a
     * delete would otherwise wait for the next disk flush of the webhooks' writes. A crash before
     * the delete brings the event back, to be dropped as a duplicate.
     */
    void forgetKey(long key) {
        if (db != null && toForget.offer(key)) {
            pending.decrementAndGet();
        }
    }

    /** The journal's thread: deletes the records the workers are done with, in batches. */
    private void forgetInBatches() {
        List<Long> batch = new ArrayList<>();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Long first = toForget.poll(FORGET_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                toForget.drainTo(batch, FORGET_BATCH - 1);
                delete(batch);
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // what is left is deleted by close, before the journal closes
    }

    private void delete(List<Long> keys) {
        closing.readLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            RocksDB open = db;
            if (open == null) {
                // closed by a forced stop: the records stay, and their events are dropped as duplicates after the restart
                return;
            }
            for (long key : keys) {
                batch.delete(key(key));
            }
            open.write(forgetOptions, batch);
        } catch (RocksDBException e) {
            // kept: the events are worked again after a restart and dropped as duplicates
            LOG.warn("Could not forget {} finished event(s) in the journal ({}): they are worked again after a restart "
                    + "and dropped as duplicates", keys.size(), e.getMessage());
        } finally {
            closing.readLock().unlock();
        }
    }

    /** What the journal holds at start goes back to its queue, oldest first. */
    private void recover() {
        List<Long> keys = new ArrayList<>();
        List<Record> records = new ArrayList<>();
        try (RocksIterator it = db.newIterator()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                keys.add(ByteBuffer.wrap(it.key()).getLong());
                records.add(Record.decode(it.value()));
            }
        }
        pending.addAndGet(keys.size());
        read = true;
        if (keys.isEmpty()) {
            return;
        }
        LOG.info("Event journal: {} accepted event(s) not finished before the last stop; queued again for their workers",
                keys.size());
        ProducerTemplate template = camelContext.createProducerTemplate();
        try {
            for (int i = 0; i < keys.size(); i++) {
                if (!requeue(template, keys.get(i), records.get(i))) {
                    return;
                }
                recovered++;
            }
        } finally {
            try {
                template.stop();
            } catch (Exception e) {
                // stopping anyway
            }
        }
    }

    /** Queues one recorded event again, waiting while its queue is full; false once the bundle stops. */
    private boolean requeue(ProducerTemplate template, long key, Record record) {
        while (!camelContext.getStatus().isStopping() && !camelContext.getStatus().isStopped()) {
            Exchange exchange = template.send(ENQUEUE, e -> {
                e.getIn().setBody(record.payload());
                e.getIn().setHeader(HumaEvent.NAME_HEADER, record.event());
                if (!record.receivedAt().isEmpty()) {
                    e.getIn().setHeader(HumaEvent.RECEIVED_AT_HEADER, record.receivedAt());
                }
                if (!record.replays().isEmpty()) {
                    e.getIn().setHeader(HumaEvent.REPLAYS_HEADER, record.replays());
                }
                e.getIn().setHeader(KEY_HEADER, key);
            });
            if (exchange.getException() == null) {
                return true;
            }
            LOG.debug("Event {} of the journal not queued yet ({}): trying again", key, exchange.getException().getMessage());
            try {
                // the queue is full (the workers are busy with what came before): a moment for them
                Thread.sleep(FULL_QUEUE_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private static byte[] key(long key) {
        return ByteBuffer.allocate(Long.BYTES).putLong(key).array();
    }

    /** One accepted event as the journal keeps it: four lines of text, the payload last. */
    record Record(String event, String receivedAt, String replays, String payload) {

        static Record of(Exchange exchange) {
            return new Record(text(exchange.getMessage().getHeader(HumaEvent.NAME_HEADER, String.class)),
                    text(exchange.getMessage().getHeader(HumaEvent.RECEIVED_AT_HEADER, String.class)),
                    text(exchange.getMessage().getHeader(HumaEvent.REPLAYS_HEADER, String.class)),
                    exchange.getMessage().getBody(String.class));
        }

        byte[] encode() {
            return (event + '\n' + receivedAt + '\n' + replays + '\n' + (payload == null ? "" : payload))
                    .getBytes(StandardCharsets.UTF_8);
        }

        static Record decode(byte[] bytes) {
            String[] parts = new String(bytes, StandardCharsets.UTF_8).split("\n", 4);
            return new Record(parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : "");
        }

        private static String text(String value) {
            return value == null ? "" : value.replace('\n', ' ');
        }
    }
}
