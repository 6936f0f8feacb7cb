package ai.huma.camel.runtime.tracing;

import java.text.MessageFormat;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenTelemetry SDK logs through java.util.logging, whose console format (two lines and a stack
 * trace for each failed export while the collector is down) bypasses the jar's logging and its
 * escaping. This hands the SDK's records to the jar's logging instead: one line each, the failure's
 * cause in it, no stack trace (the SDK already throttles repeats).
 */
final class SdkLogging extends Handler {

    private static final String SDK_LOGGERS = "io.opentelemetry";
    /** Kept here: java.util.logging holds its loggers weakly, and would forget the settings below. */
    private static final java.util.logging.Logger SDK = java.util.logging.Logger.getLogger(SDK_LOGGERS);

    static void install() {
        SDK.setUseParentHandlers(false);
        for (Handler handler : SDK.getHandlers()) {
            if (handler instanceof SdkLogging) {
                return;
            }
        }
        SDK.addHandler(new SdkLogging());
    }

    @Override
    public void publish(LogRecord record) {
        Logger logger = LoggerFactory.getLogger(record.getLoggerName() == null ? SDK_LOGGERS : record.getLoggerName());
        String message = record.getMessage();
        if (record.getParameters() != null && record.getParameters().length > 0 && message != null) {
            try {
                message = MessageFormat.format(message, record.getParameters());
            } catch (IllegalArgumentException e) {
                // left as it is
            }
        }
        if (record.getThrown() != null && (message == null || !message.contains(String.valueOf(record.getThrown().getMessage())))) {
            message = message + " (" + record.getThrown() + ")";
        }
        int level = record.getLevel().intValue();
        if (level >= Level.SEVERE.intValue()) {
            logger.error("{}", message);
        } else if (level >= Level.WARNING.intValue()) {
            logger.warn("{}", message);
        } else if (level >= Level.INFO.intValue()) {
            logger.info("{}", message);
        } else {
            logger.debug("{}", message);
        }
    }

    @Override
    public void flush() {
        // nothing buffered
    }

    @Override
    public void close() {
        // nothing to release
    }
}
