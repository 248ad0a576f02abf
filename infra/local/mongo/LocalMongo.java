import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;

/**
 * Local MongoDB stand-in for development, backed by a single H2 file so data
 * survives restarts. Started by infra/local/stack.mjs via Java's source launcher:
 *   java -cp <classpath> LocalMongo.java <h2file> <host> <port>
 */
public class LocalMongo {
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: LocalMongo <h2file> <host> <port>");
            System.exit(2);
        }
        String h2File = args[0];
        String host = args[1];
        int port = Integer.parseInt(args[2]);

        MongoServer server = new MongoServer(new H2Backend(h2File));
        server.bind(host, port);
        System.out.println("LocalMongo listening on " + host + ":" + port + " (data: " + h2File + ")");

        // SIGTERM from `stack.mjs down` must flush and close the H2 store cleanly.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "mongo-shutdown"));

        Thread.currentThread().join();
    }
}
