// Apache HttpClient 5.2 async (Debian's libhttpclient5-java, with
// httpcore5-h2), HTTP/1.1, expect-continue on.
// Usage: java ApacheHttpClient5Async URL FILE; prints {"status": N}.
import java.io.File;
import java.util.concurrent.Future;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducers;
import org.apache.hc.core5.http.nio.support.AsyncRequestBuilder;

public class ApacheHttpClient5Async {
    public static void main(String[] args) throws Exception {
        try (CloseableHttpAsyncClient client = HttpAsyncClients.custom()
                .setDefaultRequestConfig(RequestConfig.custom()
                    .setExpectContinueEnabled(true).build())
                .build()) {
            client.start();
            Future<SimpleHttpResponse> f = client.execute(
                AsyncRequestBuilder.post(args[0])
                    .setEntity(AsyncEntityProducers.create(
                        new File(args[1]),
                        ContentType.APPLICATION_OCTET_STREAM))
                    .build(),
                SimpleResponseConsumer.create(), null);
            SimpleHttpResponse r = f.get();
            System.out.println("{\"status\": " + r.getCode()
                + ", \"body\": \"" + (r.getBodyText() == null ? ""
                    : r.getBodyText()).replaceAll("[\"\\\\\\s]", " ")
                + "\"}");
        } catch (Exception e) {
            System.out.println("{\"status\": 0, \"error\": \""
                + e.toString().replaceAll("[\"\\\\\\s]", " ") + "\"}");
        }
    }
}
