# The app servers behind the edge (included by parley.vcl). An example for two on this host;
# scripts/cluster.sh writes its own. Each is probed on /readyz: an app server whose
# database does not answer is taken out, and with none left the edge serves what it kept.
import directors;

probe ready {
    .request = "GET /readyz HTTP/1.1" "Host: 127.0.0.1" "Connection: close";
    .interval = 1s;
    .timeout = 1s;
    .window = 3;
    .threshold = 2;
    .initial = 2;
}

backend node1 {
    .host = "127.0.0.1";
    .port = "8001";
    .probe = ready;
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
}

backend node2 {
    .host = "127.0.0.1";
    .port = "8002";
    .probe = ready;
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
}

sub vcl_init {
    new app = directors.round_robin();
    app.add_backend(node1);
    app.add_backend(node2);
}
