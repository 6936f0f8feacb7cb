package ai.huma.camel.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.StorageType;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.jclouds.filesystem.reference.FilesystemConstants;

/**
 * A real S3-compatible server (S3Proxy over a jclouds filesystem store) on a free loopback port, with
 * the bucket {@link #BUCKET}; objects are files under {@code folder/bucket/}. Requests must be signed
 * (AWS signature v2 or v4) with {@link #ACCESS_KEY} and {@link #SECRET_KEY}; any region is accepted.
 * {@link #keys()} and {@link #object(String)} read what was stored, from the store itself.
 * {@link #stop()} takes the server down, {@link #start()} brings it back on the same port with the
 * same objects.
 *
 * <p>AWS SDK 2.30 and later send PutObject over http with a trailing checksum (aws-chunked with
 * {@code x-amz-trailer}), which S3Proxy 2.7.0 refuses (501 Not Implemented). Clients must compute
 * checksums only when required: {@link #relaxSdkChecksums()} sets the SDK's system property for
 * every client built after it in this JVM.
 */
public final class TestS3Server implements AutoCloseable {

    public static final String BUCKET = "huma-results";
    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY = "AKIAHUMATEST";
    public static final String SECRET_KEY = "s3-test-secret-key";
    /** The AWS SDK system property behind {@code AWS_REQUEST_CHECKSUM_CALCULATION}. */
    public static final String CHECKSUM_PROPERTY = "aws.requestChecksumCalculation";

    private final Path folder;
    private final int port;
    private final BlobStoreContext store;
    private S3Proxy server;

    /** Keeps the objects under {@code folder}, created if missing. */
    public TestS3Server(Path folder) {
        try {
            this.folder = Files.createDirectories(folder).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.port = TestPorts.free();
        Properties overrides = new Properties();
        overrides.setProperty(FilesystemConstants.PROPERTY_BASEDIR, this.folder.toString());
        this.store = ContextBuilder.newBuilder("filesystem")
                .credentials(ACCESS_KEY, SECRET_KEY)
                .overrides(overrides)
                .buildView(BlobStoreContext.class);
        blobStore().createContainerInLocation(null, BUCKET);
        start();
    }

    /**
     * Makes the AWS SDK compute request checksums only where an operation requires one (as before
     * SDK 2.30), for every S3 client built from now on in this JVM. Returns the previous value.
     */
    public static String relaxSdkChecksums() {
        return System.setProperty(CHECKSUM_PROPERTY, "WHEN_REQUIRED");
    }

    /** Starts the server (again) on {@link #port()}; does nothing if it is running. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(blobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        try {
            proxy.start(); // Jetty's start: returns once the port is bound
        } catch (Exception e) {
            throw new IllegalStateException("S3 server did not start on port " + port, e);
        }
        if (!"STARTED".equals(proxy.getState())) {
            throw new IllegalStateException("S3 server is " + proxy.getState() + " on port " + port);
        }
        server = proxy;
    }

    /** Takes the server down: the port refuses connections. The objects stay. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            server = null;
        }
    }

    public synchronized boolean isRunning() {
        return server != null && "STARTED".equals(server.getState());
    }

    private BlobStore blobStore() {
        return store.getBlobStore();
    }

    /** The keys of all objects in {@link #BUCKET}, sorted. */
    public List<String> keys() {
        return blobStore().list(BUCKET, ListContainerOptions.Builder.recursive()).stream()
                .filter(meta -> meta.getType() == StorageType.BLOB)
                .map(meta -> meta.getName())
                .sorted()
                .toList();
    }

    /** The bytes of the object {@code key} in {@link #BUCKET}; fails if there is none. */
    public byte[] object(String key) {
        Blob blob = blobStore().getBlob(BUCKET, key);
        if (blob == null) {
            throw new IllegalArgumentException("no object " + key + " in " + BUCKET + "; there are " + keys());
        }
        try (InputStream in = blob.getPayload().openStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:port}, for {@code uriEndpointOverride}. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public String bucket() {
        return BUCKET;
    }

    public String region() {
        return REGION;
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    /** Where the objects are kept: {@code folder()/huma-results/<key>}. */
    public Path folder() {
        return folder;
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            store.close();
        }
    }
}
