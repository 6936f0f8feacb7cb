package ai.huma.camel.edge;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.Message;

/**
 * The address of the client that sent a webhook ({@code host:port}, or the host alone), from
 * whichever HTTP engine serves the platform-http routes:
 * <ul>
 * <li>Vert.x (the standalone jar, Camel Main's embedded server, Quarkus): the header
 * {@value #VERTX_HEADER};</li>
 * <li>a servlet engine (Camel Spring Boot's platform-http on Tomcat, Jetty or Undertow; camel-servlet):
 * the message's {@code getRequest()}, a {@code jakarta.servlet.ServletRequest}, and its
 * {@code getRemoteAddr()}.</li>
 * </ul>
 * Null when the engine gives neither: the allow-list then refuses (it cannot tell who calls). As a
 * Camel expression (bean {@code humaClientAddress}) it is the address for a log line, or
 * {@code "unknown"}.
 */
public class ClientAddress implements Expression {

    /** The header Camel's Vert.x platform-http engine puts the remote address in. */
    public static final String VERTX_HEADER = "CamelVertxPlatformHttpRemoteAddress";

    /** The public no-argument getRequest() of each message class, or null when it has none. */
    private static final ClassValue<MethodHandle> REQUEST_GETTERS = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
            try {
                return MethodHandles.publicLookup().findVirtual(type, "getRequest", MethodType.methodType(
                        type.getMethod("getRequest").getReturnType()));
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    };

    /** The client's address of this request, or null when the engine does not give it. */
    public static String of(Message message) {
        String vertx = message.getHeader(VERTX_HEADER, String.class);
        if (vertx != null) {
            return vertx;
        }
        MethodHandle getter = REQUEST_GETTERS.get(message.getClass());
        if (getter == null) {
            return null;
        }
        try {
            Object request = getter.invoke(message);
            return request instanceof jakarta.servlet.ServletRequest servlet ? servlet.getRemoteAddr() : null;
        } catch (Throwable e) {
            return null;
        }
    }

    @Override
    public <T> T evaluate(Exchange exchange, Class<T> type) {
        String address = of(exchange.getMessage());
        return exchange.getContext().getTypeConverter().convertTo(type, exchange, address == null ? "unknown" : address);
    }
}
