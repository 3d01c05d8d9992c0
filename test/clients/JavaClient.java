// Java's java.net.http.HttpClient with expectContinue(true).
// Usage: java JavaClient URL FILE; prints {"status": N}.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

public class JavaClient {
    public static void main(String[] args) throws Exception {
        byte[] data = Files.readAllBytes(Path.of(args[1]));
        HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(args[0]))
            .expectContinue(true)
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build();
        try {
            HttpResponse<String> r = client.send(req,
                HttpResponse.BodyHandlers.ofString());
            System.out.println("{\"status\": " + r.statusCode()
                + ", \"body\": \"" + r.body().replaceAll("[\"\\\\\\s]", " ")
                + "\"}");
        } catch (Exception e) {
            System.out.println("{\"status\": 0, \"error\": \""
                + e.toString().replaceAll("[\"\\\\\\s]", " ") + "\"}");
        }
    }
}
