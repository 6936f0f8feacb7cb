package ai.huma.camel.fetch;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;

import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;

/**
 * The entity of an answer of a {@link BoundedHttpCalls} call, read through a stream that counts
 * its bytes (after decompression, so a gzip bomb counts at its inflated size) and watches the
 * call's deadline. An answer over its limit fails with {@link AnswerTooLargeException}; the body of
 * an error answer is cut at its limit instead, so that the failure still carries its status. The
 * end of the answer, its failure or its close stops the call's timer.
 */
final class BoundedAnswer extends HttpEntityWrapper {

    private final long limit;
    private final String limitProperty;
    private final boolean failWhenOver;
    private final CallDeadlines.Deadline deadline;

    private BoundedAnswer(HttpEntity entity, long limit, String limitProperty, boolean failWhenOver,
            CallDeadlines.Deadline deadline) {
        super(entity);
        this.limit = limit;
        this.limitProperty = limitProperty;
        this.failWhenOver = failWhenOver;
        this.deadline = deadline;
    }

    /** An answer of at most {@code maxSize} bytes, else an {@link AnswerTooLargeException} naming {@code maxSizeProperty}. */
    static BoundedAnswer failingOver(HttpEntity entity, long maxSize, String maxSizeProperty, CallDeadlines.Deadline deadline) {
        return new BoundedAnswer(entity, maxSize, maxSizeProperty, true, deadline);
    }

    /** An error answer's body, cut after {@code maxSize} bytes. */
    static BoundedAnswer cutAfter(HttpEntity entity, long maxSize, CallDeadlines.Deadline deadline) {
        return new BoundedAnswer(entity, maxSize, null, false, deadline);
    }

    static AnswerTooLargeException tooLarge(String maxSizeProperty, long maxSize) {
        return new AnswerTooLargeException("the answer is larger than " + maxSizeProperty + " (" + maxSize + " bytes)");
    }

    @Override
    public InputStream getContent() throws IOException {
        InputStream content = super.getContent();
        return content == null ? null : new BoundedStream(content);
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        try (InputStream in = getContent()) {
            if (in != null) {
                in.transferTo(out);
            }
        }
    }

    private final class BoundedStream extends FilterInputStream {

        private long read;
        private boolean cut;

        BoundedStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (cut) {
                return -1;
            }
            if (read >= limit) {
                // one byte more than allowed tells an answer of exactly the limit from a longer one
                if (super.read() < 0) {
                    return end();
                }
                if (failWhenOver) {
                    deadline.outcome("too_large");
                }
                deadline.abandon();
                if (!failWhenOver) {
                    cut = true;
                    return -1; // an error answer: what was read so far is enough
                }
                throw tooLarge(limitProperty, limit);
            }
            int n;
            try {
                n = super.read(buffer, offset, (int) Math.min(length, limit - read));
            } catch (IOException e) {
                deadline.outcome("error");
                deadline.done();
                if (deadline.isExpired()) {
                    throw deadline.timedOut(e);
                }
                throw e;
            }
            if (n < 0) {
                return end();
            }
            read += n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buffer = new byte[(int) Math.min(8192, Math.max(0, n))];
            long skipped = 0;
            while (skipped < n) {
                int count = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                if (count < 0) {
                    break;
                }
                skipped += count;
            }
            return skipped;
        }

        @Override
        public void close() throws IOException {
            deadline.done();
            if (!cut) {
                super.close();
            }
        }

        private int end() throws InterruptedIOException {
            deadline.done();
            if (deadline.isExpired()) {
                // the connection was closed at the deadline: an end here is not the answer's end
                throw deadline.timedOut(null);
            }
            return -1;
        }
    }
}
