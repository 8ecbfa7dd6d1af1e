import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.net.InetSocketAddress;

/**
 * Temporal's time-skipping test server (io.temporal:temporal-test-server), listening on 127.0.0.1
 * only: its own main (io.temporal.testserver.TestServer) binds every interface. Same services, same
 * arguments as that main when the SDK launches it: `<port>`, time skipping locked until a client
 * unlocks it (the SDK's test client does so while it awaits a result).
 */
public final class LoopbackTestServer {
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: LoopbackTestServer <port>");
      System.exit(2);
    }
    TestServicesStarter services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])));
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    Server server = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdownNow();
      services.close();
    }));
    server.awaitTermination();
  }
}
