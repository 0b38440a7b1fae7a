//! Behaviour tests: tables of lines with what must go, what must stay, and what the replacement
//! must look like.

use std::net::{Ipv4Addr, Ipv6Addr};

use fieldkit_redact::{Key, Kind, Kinds, Mapping, RedactConfig, Redactor, load_or_create_key};

fn key(b: u8) -> Key {
    Key::from_bytes([b; 32])
}

fn redactor() -> Redactor {
    Redactor::new(key(1), RedactConfig::default()).unwrap()
}

// ------------------------------------------------------------------ validators

fn is_ipv4(t: &str) -> bool {
    t.parse::<Ipv4Addr>().is_ok()
}
fn is_ipv6(t: &str) -> bool {
    t.parse::<Ipv6Addr>().is_ok()
}
fn is_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        && !l.starts_with('-')
        && !l.ends_with('-')
}
fn is_hostname(t: &str) -> bool {
    t.len() <= 253 && t.split('.').all(is_label)
}
fn labels(t: &str) -> usize {
    t.split('.').count()
}
fn is_email(t: &str) -> bool {
    match t.split_once('@') {
        Some((l, d)) => {
            !l.is_empty()
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || b".-_+".contains(&c))
                && is_hostname(d)
                && d.contains('.')
        }
        None => false,
    }
}
fn is_mac(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 17
        && b.iter().enumerate().all(|(i, &c)| if i % 3 == 2 { c == b':' || c == b'-' } else { c.is_ascii_hexdigit() })
}
fn is_user_token(t: &str) -> bool {
    t.strip_prefix("user-")
        .is_some_and(|r| r.len() == 8 && r.bytes().all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c)))
}
fn is_secret_token(t: &str) -> bool {
    t.starts_with("secret-") && t.len() == 15
}

/// Redacts `template` with `{}` replaced by `value`, checks that everything outside the
/// placeholder is unchanged, and returns what replaced the value.
fn token_in(r: &mut Redactor, template: &str, value: &str) -> String {
    let (pre, post) = template.split_once("{}").unwrap();
    let out = r.redact_str(&template.replace("{}", value));
    assert!(
        out.starts_with(pre) && out.ends_with(post) && out.len() >= pre.len() + post.len(),
        "template {template:?} value {value:?}: context changed: {out:?}"
    );
    out[pre.len()..out.len() - post.len()].to_string()
}

// ------------------------------------------------------------------ replacement tables

type Check = fn(&str, &str) -> bool;

/// (template, value, check(original, token)).
const TYPED: &[(&str, &str, Check)] = &[
    // IPv4, with context
    ("connect to {} failed", "10.0.0.1", |_, t| is_ipv4(t) && t.starts_with("10.")),
    ("from host = {} on resource", "192.168.1.77", |_, t| is_ipv4(t) && t.starts_with("192.168.")),
    ("peer {}:9092 closed", "8.8.8.8", |_, t| is_ipv4(t) && !t.starts_with("10.")),
    ("Failed authentication with /{} (SSL handshake failed)", "172.16.4.9", |_, t| {
        is_ipv4(t) && t.parse::<Ipv4Addr>().unwrap().is_private()
    }),
    ("net {}/24 routed", "10.1.2.0", |_, t| is_ipv4(t) && t.ends_with(".0")),
    // IPv6
    ("addr {} up", "2001:db8:85a3::8a2e:370:7334", |_, t| is_ipv6(t) && t.starts_with("2001:db8:")),
    ("addr {}%eth0 up", "fe80::1c2b:3aff:fe4d:5e6f", |_, t| {
        is_ipv6(t) && (t.parse::<Ipv6Addr>().unwrap().segments()[0] & 0xffc0) == 0xfe80
    }),
    ("peer [{}]:9092", "2600:1f18:abcd:1200::17", |_, t| is_ipv6(t)),
    ("client /{}:9092 closed", "2600:1f18:0:0:0:0:0:17", |_, t| is_ipv6(t) && !t.contains("::")),
    ("mapped {} here", "::ffff:10.0.0.1", |_, t| is_ipv6(t) && t.starts_with("::ffff:10.")),
    // hosts
    ("resolve {} failed", "kafka-1.prod.acme.com", |o, t| {
        is_hostname(t) && labels(t) == labels(o) && t.ends_with(".com")
    }),
    ("java.net.UnknownHostException: {}: Name or service not known", "broker.acme.co.uk", |o, t| {
        is_hostname(t) && labels(t) == labels(o) && t.ends_with(".co.uk")
    }),
    ("Connection to node 1 ({}/127.0.0.1:9093) failed", "broker1", |_, t| is_hostname(t) && labels(t) == 1),
    ("connection to broker {}:9093 (id: 8 rack: null)", "kafka-8", |_, t| is_hostname(t) && labels(t) == 1),
    ("reach {}:9092 now", "kafka-1.prod", |_, t| is_hostname(t) && labels(t) == 2),
    ("msk {} up", "b-1.mycluster.abc123.c2.kafka.us-east-1.amazonaws.com", |o, t| {
        is_hostname(t) && labels(t) == labels(o) && t.ends_with(".amazonaws.com") && !t.contains("mycluster")
    }),
    ("pod {} ready", "kafka-0.kafka-headless.confluent.svc.cluster.local", |o, t| {
        is_hostname(t) && labels(t) == labels(o) && t.ends_with(".svc.cluster.local")
    }),
    ("Client environment:host.name={}", "kafka-1", |_, t| is_hostname(t)),
    // URLs
    ("url https://{}:8081/subjects", "schemaregistry.acme.com", |_, t| is_hostname(t) && labels(t) == 3),
    ("url http://{}/health", "metrics", |_, t| is_hostname(t) && labels(t) == 1),
    // e-mail, MAC
    ("contact {} please", "alice.smith@acme.com", |_, t| is_email(t)),
    ("nic {} up", "00:1A:2B:3C:4D:5E", |_, t| {
        is_mac(t) && t.starts_with("00:1A:2B:") && t.bytes().all(|c| !c.is_ascii_lowercase())
    }),
    ("nic {} up", "02-42-ac-11-00-02", |_, t| is_mac(t) && t.starts_with("02-")),
    // users
    ("Principal = User:{} is Allowed", "alice", |_, t| is_user_token(t)),
    ("username=\"{}\" password", "alice", |_, t| is_user_token(t)),
    ("principal=User:{} ok", "sa-xyz123", |_, t| is_user_token(t)),
    ("User:CN={},C=US denied", "alice", |_, t| is_user_token(t)),
    ("User:CN={},C=US denied", "kafka-1.acme.com", |o, t| is_hostname(t) && labels(t) == labels(o)),
    // secrets
    ("ssl.key.password={}", "s3cr3t!", |_, t| is_secret_token(t)),
    ("\tssl.truststore.password = {}", "pa ss word", |_, t| is_secret_token(t)),
    ("PlainLoginModule required password=\"{}\";", "bob-secret", |_, t| is_secret_token(t)),
    ("{\"password\": \"{}\"}", "json secret", |_, t| is_secret_token(t)),
    ("https://:{}@localhost:8081/", "hunter2", |_, t| is_secret_token(t)),
    ("basic.auth.user.info={}", "sr-user:sr-pass", |_, t| is_secret_token(t)),
    ("Authorization: Bearer {}", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlMTIz", |_, t| {
        is_secret_token(t)
    }),
];

#[test]
fn replacements_are_valid_values_of_their_type() {
    let mut r = redactor();
    for &(template, value, check) in TYPED {
        let tok = token_in(&mut r, template, value);
        assert_ne!(tok, value, "{template:?}: {value:?} was not redacted");
        assert!(check(value, &tok), "{template:?}: {value:?} -> {tok:?} fails its check");
    }
}

/// (line, must be gone, must stay).
const LINES: &[(&str, &[&str], &[&str])] = &[
    (
        "[2024-01-15 10:23:45,123] WARN [Producer clientId=producer-1] Connection to node 1 (kafka-1.prod.acme.com/10.0.0.1:9093) could not be established. Node may not be available. (org.apache.kafka.clients.NetworkClient)",
        &["kafka-1", "acme", "10.0.0.1"],
        &[
            "[2024-01-15 10:23:45,123] WARN [Producer clientId=producer-1] Connection to node 1 (",
            ":9093) could not be established. Node may not be available. (org.apache.kafka.clients.NetworkClient)",
        ],
    ),
    (
        "INFO [SocketServer listenerType=ZK_BROKER, nodeId=1] Failed authentication with /10.1.2.3 (SSL handshake failed) (org.apache.kafka.common.network.Selector)",
        &["10.1.2.3"],
        &["Failed authentication with /", "(SSL handshake failed)", "org.apache.kafka.common.network.Selector"],
    ),
    (
        "Principal = User:CN=alice.smith,OU=Payments,O=Acme Corp,L=Springfield,ST=CA,C=US is Denied Operation = Read from host = 10.20.30.40 on resource = Topic:LITERAL:orders for request = Fetch",
        &["alice", "Payments", "Acme", "Springfield", "=CA", "10.20.30.40"],
        &[
            "Principal = User:CN=",
            ",OU=",
            ",O=",
            ",L=",
            ",C=US is Denied Operation = Read from host = ",
            "on resource = Topic:LITERAL:orders for request = Fetch",
        ],
    ),
    (
        "Principal = User:bob is Allowed Operation = Describe from host = 127.0.0.1 on resource = Group:LITERAL:payments-app",
        &["User:bob "],
        &["User:user-", "127.0.0.1", "Group:LITERAL:payments-app"],
    ),
    (
        "\tbootstrap.servers = [kafka-1:9092, kafka-2.prod.acme.com:9092, 10.0.0.3:9092]",
        &["kafka-1:", "kafka-2", "acme", "10.0.0.3"],
        &["\tbootstrap.servers = [", ":9092, ", ":9092]"],
    ),
    (
        "advertised.listeners=SSL://kafka-1.prod.acme.com:9093,PLAINTEXT://broker1:9092",
        &["kafka-1", "acme", "broker1"],
        &["advertised.listeners=SSL://", ":9093,PLAINTEXT://", ":9092"],
    ),
    (
        "listeners=SSL://:9093,PLAINTEXT://0.0.0.0:9092,INTERNAL://localhost:9094",
        &[],
        &["listeners=SSL://:9093,PLAINTEXT://0.0.0.0:9092,INTERNAL://localhost:9094"],
    ),
    (
        "zookeeper.connect=zk1:2181,zk2.acme.internal:2181,zk3:2181/kafka",
        &["zk1", "zk2", "acme", "zk3"],
        &["zookeeper.connect=", ":2181,", ":2181/kafka"],
    ),
    (
        "controller.quorum.voters=1@ctrl-1:9093,2@ctrl-2.acme.com:9093,3@10.0.0.13:9093",
        &["ctrl-1", "ctrl-2", "acme", "10.0.0.13"],
        &["controller.quorum.voters=1@", ":9093,2@", ":9093,3@"],
    ),
    (
        "Initiating client connection, connectString=zk1.acme.com:2181,zk2:2181 sessionTimeout=18000 watcher=kafka.zookeeper.ZooKeeperClient$ZooKeeperClientWatcher$@3e2d3b1c",
        &["zk1", "acme", "zk2"],
        &["sessionTimeout=18000 watcher=kafka.zookeeper.ZooKeeperClient$ZooKeeperClientWatcher$@3e2d3b1c"],
    ),
    (
        "schema.registry.url=https://sr-admin:hunter2@schemaregistry.acme.com:8081/subjects/orders-value/versions/3",
        &["sr-admin", "hunter2", "schemaregistry", "acme"],
        &["schema.registry.url=https://user-", ":secret-", ":8081/subjects/orders-value/versions/3"],
    ),
    (
        "GET https://api.confluent.cloud/iam/v2/service-accounts/sa-xyz123?page_token=abcdef123456 200",
        &["sa-xyz123", "abcdef123456"],
        &["https://", ".confluent.cloud/iam/v2/service-accounts/id-", "?page_token=secret-", " 200"],
    ),
    (
        "\tsasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\"alice-secret\";",
        &["\"alice\"", "alice-secret"],
        &[
            "\tsasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required username=\"user-",
            "password=\"secret-",
            "\";",
        ],
    ),
    (
        "org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"admin-secret\" user_alice=\"alice-secret\";",
        &["admin", "alice"],
        &["PlainLoginModule required user_user-", "=\"secret-"],
    ),
    (
        "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab=\"/etc/security/keytabs/kafka.keytab\" principal=\"kafka/broker1.acme.com@ACME.COM\";",
        &["broker1", "acme", "ACME"],
        &[
            "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab=\"/etc/security/keytabs/kafka.keytab\" principal=\"kafka/",
            ".COM\";",
        ],
    ),
    ("\tssl.keystore.password = [hidden]", &[], &["\tssl.keystore.password = [hidden]"]),
    ("\tssl.key.password = null", &[], &["\tssl.key.password = null"]),
    (
        "ssl.truststore.password=${file:/etc/kafka/secrets.properties:truststore.password}",
        &[],
        &["ssl.truststore.password=${file:/etc/kafka/secrets.properties:truststore.password}"],
    ),
    (
        "dynamic config password.encoder.secret=topsecret password.encoder.cipher.algorithm=AES/CBC/PKCS5Padding",
        &["topsecret"],
        &["password.encoder.cipher.algorithm=AES/CBC/PKCS5Padding"],
    ),
    (
        "Contact alice.smith@acme.com or ops@acme.co.uk today",
        &["alice", "smith", "ops@", "acme"],
        &["Contact user-", ".com or user-", ".co.uk today"],
    ),
    (
        "ERROR Exception while processing request from 10.0.0.5:54321-10.0.0.1:9092-12 (kafka.network.Processor)",
        &["10.0.0.5", "10.0.0.1"],
        &[":54321-", ":9092-12 (kafka.network.Processor)"],
    ),
    (
        "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
        &[],
        &[
            "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
        ],
    ),
    (
        "2015-07-29 19:04:12,394 - INFO  [/10.10.34.11:3888:QuorumCnxManager$Listener@493] - Received connection request /10.10.34.11:45307",
        &["10.10.34.11"],
        &[
            "2015-07-29 19:04:12,394 - INFO  [/",
            ":3888:QuorumCnxManager$Listener@493] - Received connection request /",
            ":45307",
        ],
    ),
    (
        "loopback 127.0.0.1 ::1 [::1]:9092 0.0.0.0 localhost:9092 /0:0:0:0:0:0:0:1:9092 are kept",
        &[],
        &["loopback 127.0.0.1 ::1 [::1]:9092 0.0.0.0 localhost:9092 /0:0:0:0:0:0:0:1:9092 are kept"],
    ),
    (
        "\tat org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:584)",
        &[],
        &["\tat org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:584)"],
    ),
    (
        "\tat kafka.server.KafkaApis.handle(KafkaApis.scala:123) ~[kafka_2.13-3.7.0.jar:?]",
        &[],
        &["\tat kafka.server.KafkaApis.handle(KafkaApis.scala:123) ~[kafka_2.13-3.7.0.jar:?]"],
    ),
    (
        "Caused by: io.confluent.kafka.schemaregistry.client.rest.exceptions.RestClientException: Subject 'orders-value' not found.; error code: 40401",
        &[],
        &[
            "Caused by: io.confluent.kafka.schemaregistry.client.rest.exceptions.RestClientException: Subject 'orders-value' not found.; error code: 40401",
        ],
    ),
    (
        "[2024-01-15 10:23:45,123] INFO Kafka version: 3.7.0, commitId: 2ae524ed625438c5 (org.apache.kafka.common.utils.AppInfoParser)",
        &[],
        &[
            "[2024-01-15 10:23:45,123] INFO Kafka version: 3.7.0, commitId: 2ae524ed625438c5 (org.apache.kafka.common.utils.AppInfoParser)",
        ],
    ),
    (
        "\tssl.keystore.location = /var/ssl/private/kafka.keystore.jks",
        &[],
        &["\tssl.keystore.location = /var/ssl/private/kafka.keystore.jks"],
    ),
    (
        "\tlinger.ms = 5 group.id = payments request.timeout.ms = 30000 session.timeout.ms: 45000 broker.id=1 log.dirs=/var/lib/kafka/data",
        &[],
        &[
            "\tlinger.ms = 5 group.id = payments request.timeout.ms = 30000 session.timeout.ms: 45000 broker.id=1 log.dirs=/var/lib/kafka/data",
        ],
    ),
    (
        "[2024-03-01 00:00:00,056] INFO [Log partition=orders.v2-3, dir=/var/lib/kafka/data] Rolled new log segment at offset 123 in 2 ms. (kafka.log.LocalLog) [data-plane-kafka-request-handler-3]",
        &[],
        &[
            "[2024-03-01 00:00:00,056] INFO [Log partition=orders.v2-3, dir=/var/lib/kafka/data] Rolled new log segment at offset 123 in 2 ms. (kafka.log.LocalLog) [data-plane-kafka-request-handler-3]",
        ],
    ),
    (
        "see server.log, controller.log and log4j.properties; bin/kafka-server-start.sh config/server.properties",
        &[],
        &["see server.log, controller.log and log4j.properties; bin/kafka-server-start.sh config/server.properties"],
    ),
    (
        "Offset commit failed on partition orders-3 at offset 42: The coordinator is not aware of this member. line:42 offset:12345 Thread-1:23",
        &[],
        &[
            "Offset commit failed on partition orders-3 at offset 42: The coordinator is not aware of this member. line:42 offset:12345 Thread-1:23",
        ],
    ),
    (
        "mac 00:00:00:00:00:00 and ff:ff:ff:ff:ff:ff kept, time 12:34:56 kept, java.io and org.apache.commons.io kept",
        &[],
        &[
            "mac 00:00:00:00:00:00 and ff:ff:ff:ff:ff:ff kept, time 12:34:56 kept, java.io and org.apache.commons.io kept",
        ],
    ),
    (
        "Client environment:user.name=kafka user.home=/home/kafka java.home=/usr/lib/jvm/java-17",
        &["user.name=kafka"],
        &["Client environment:user.name=user-", "user.home=/home/kafka java.home=/usr/lib/jvm/java-17"],
    ),
    ("\tbasic.auth.user.info = sr-user:sr-pass-123", &["sr-user", "sr-pass"], &["\tbasic.auth.user.info = secret-"]),
    (
        "confluent.license=eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhY21lIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
        &["eyJ"],
        &["confluent.license=secret-"],
    ),
    (
        "chip FF:F2:9F:16:E2:23:00:0D:60:E9:1D:DC and <memory:8192, vCores:32> and uid=0 user=1000 are not addresses or names",
        &[],
        &[
            "chip FF:F2:9F:16:E2:23:00:0D:60:E9:1D:DC and <memory:8192, vCores:32> and uid=0 user=1000 are not addresses or names",
        ],
    ),
    (
        "Bad activity token: android.os.BinderProxy@2bd79ce token=Token{a64f992} but access_token=abc123def",
        &["abc123def"],
        &["Bad activity token: android.os.BinderProxy@2bd79ce token=Token{a64f992} but access_token=secret-"],
    ),
    ("Principal = User:CN=alice,OU=eng,O=Acme,C=US denied\r", &["alice", "eng", "Acme"], &[",C=US denied\r"]),
    ("uid=jsmith,ou=people,dc=acme,dc=com", &["jsmith", "people", "acme"], &[",dc=com"]),
    (
        "ldap.java.naming.security.principal=CN=svc-kafka,OU=Service Accounts,DC=acme,DC=com",
        &["svc-kafka", "Service", "acme"],
        &["ldap.java.naming.security.principal=CN=user-", ",OU=ou-", ",DC=dc-", ",DC=com"],
    ),
    (
        "ssl.principal.mapping.rules=RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,DEFAULT sasl.kerberos.principal.to.local.rules=RULE:[1:$1@$0](.*@ACME.COM)s/@.*//,DEFAULT",
        &["ACME"],
        &[
            "ssl.principal.mapping.rules=RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,DEFAULT",
            "RULE:[1:$1@$0](.*@",
            ".COM)s/@.*//,DEFAULT",
        ],
    ),
    (
        "Starting connector with {connection.url=jdbc:postgresql://db.acme.com:5432/orders, connection.user=app, connection.password=s3cret}",
        &["db.acme", "=app", "s3cret"],
        &["connection.url=jdbc:postgresql://", ":5432/orders, connection.user=user-", "connection.password=secret-"],
    ),
    (
        "Couldn't resolve server kafka-9/<unresolved>:9092 from bootstrap.servers; java.net.UnknownHostException: kafka-8",
        &["kafka-9", "kafka-8"],
        &["/<unresolved>:9092 from bootstrap.servers; java.net.UnknownHostException: h-"],
    ),
];

#[test]
fn line_table() {
    let mut r = redactor();
    for &(line, gone, kept) in LINES {
        let out = r.redact_str(line);
        for g in gone {
            assert!(!out.contains(g), "{g:?} still in\n  {line}\n->{out}");
        }
        for k in kept {
            assert!(out.contains(k), "{k:?} missing from\n  {line}\n->{out}");
        }
    }
}

// ------------------------------------------------------------------ consistency

#[test]
fn same_value_same_token_across_calls_lines_and_redactors() {
    let mut a = redactor();
    let x1 = token_in(&mut a, "host {} up", "kafka-1.acme.com");
    let x2 = token_in(&mut a, "Connection to node 1 ({}/127.0.0.1:9093)", "kafka-1.acme.com");
    let mut b = redactor();
    let x3 = token_in(&mut b, "again {}.", "kafka-1.acme.com");
    assert_eq!(x1, x2);
    assert_eq!(x1, x3);
    // case-insensitive host names
    let x4 = token_in(&mut b, "host {} up", "Kafka-1.ACME.com");
    assert_eq!(x1, x4);
    // users are case-sensitive
    let u1 = token_in(&mut a, "User:{} x", "alice");
    let u2 = token_in(&mut a, "User:{} x", "Alice");
    assert_ne!(u1, u2);
    // secrets: equal stays equal, different differs
    let s1 = token_in(&mut a, "password={}", "abc");
    let s2 = token_in(&mut b, "ssl.key.password={}", "abc");
    let s3 = token_in(&mut b, "ssl.key.password={}", "abd");
    assert_eq!(s1, s2);
    assert_ne!(s1, s3);
    // e-mail local parts share the user token
    let e = token_in(&mut a, "mail {} now", "alice@acme.com");
    assert!(e.starts_with(&format!("{u1}@")), "{e} vs {u1}");
}

#[test]
fn different_key_different_token() {
    let mut a = Redactor::new(key(1), RedactConfig::default()).unwrap();
    let mut b = Redactor::new(key(2), RedactConfig::default()).unwrap();
    for (t, v) in [
        ("host {} up", "kafka-1.acme.com"),
        ("ip {} up", "10.0.0.1"),
        ("ip {} up", "2001:db8::1"),
        ("User:{} x", "alice"),
        ("password={}", "abc"),
        ("nic {} up", "00:1a:2b:3c:4d:5e"),
    ] {
        assert_ne!(token_in(&mut a, t, v), token_in(&mut b, t, v), "{v}");
    }
}

#[test]
fn hosts_in_one_domain_stay_in_one_domain() {
    let mut r = redactor();
    let a = token_in(&mut r, "h {} x", "kafka-1.prod.acme.com");
    let b = token_in(&mut r, "h {} x", "kafka-2.prod.acme.com");
    let c = token_in(&mut r, "h {} x", "zk-1.dev.acme.com");
    let parent = |t: &str| t.split_once('.').unwrap().1.to_string();
    assert_eq!(parent(&a), parent(&b));
    assert_ne!(parent(&a), parent(&c));
    assert_eq!(parent(&parent(&a)), parent(&parent(&c)));
    assert_ne!(a, b);
}

#[test]
fn ipv4_is_prefix_preserving() {
    let mut r = redactor();
    let ip = |r: &mut Redactor, v: &str| token_in(r, "ip {} x", v).parse::<Ipv4Addr>().unwrap().octets();
    let a = ip(&mut r, "10.1.2.3");
    let b = ip(&mut r, "10.1.2.200");
    let c = ip(&mut r, "10.1.9.3");
    let d = ip(&mut r, "52.10.1.1");
    let e = ip(&mut r, "52.10.200.1");
    assert_eq!(a[..3], b[..3]);
    assert_ne!(a[3], b[3]);
    assert_eq!(a[..2], c[..2]);
    assert_ne!(a[2], c[2]);
    assert_eq!(d[..2], e[..2]);
    assert_eq!(a[0], 10);
    // a network and its hosts stay together
    let net = token_in(&mut r, "net {} x", "10.1.2.0/24");
    assert_eq!(net, format!("{}.{}.{}.0/24", a[0], a[1], a[2]));
}

#[test]
fn distinct_addresses_get_distinct_tokens() {
    let mut r = redactor();
    let mut seen = std::collections::HashSet::new();
    for i in 0..2000u32 {
        let ip = Ipv4Addr::from(0x0a00_0000 | (i * 7919 % (1 << 24)));
        assert!(seen.insert(token_in(&mut r, "ip {} x", &ip.to_string())));
    }
}

// ------------------------------------------------------------------ structure and bytes

#[test]
fn line_structure_is_preserved_exactly() {
    let text =
        "a 10.0.0.1\r\n\n\nssl.key.password=secret value with spaces\r\nUser:alice\n\nlast kafka-1.acme.com no newline";
    let mut r = redactor();
    let mut out = Vec::new();
    r.redact_text(text.as_bytes(), &mut out);
    let count = |b: &[u8], c: u8| b.iter().filter(|&&x| x == c).count();
    assert_eq!(count(&out, b'\n'), count(text.as_bytes(), b'\n'));
    assert_eq!(count(&out, b'\r'), count(text.as_bytes(), b'\r'));
    let in_lines: Vec<&[u8]> = text.as_bytes().split(|&c| c == b'\n').collect();
    let out_lines: Vec<&[u8]> = out.split(|&c| c == b'\n').collect();
    assert_eq!(in_lines.len(), out_lines.len());
    for (i, o) in in_lines.iter().zip(&out_lines) {
        assert_eq!(i.ends_with(b"\r"), o.ends_with(b"\r"));
        assert_eq!(i.is_empty(), o.is_empty());
    }
    // redact_line with embedded newlines keeps them too
    let mut out2 = Vec::new();
    redactor().redact_line(text.as_bytes(), &mut out2);
    assert_eq!(out, out2);
}

#[test]
fn invalid_utf8_passes_through() {
    let mut line = b"\xff\xfe caf\xc3\xa9 \x80 host ".to_vec();
    line.extend_from_slice(b"10.0.0.1 \xc3\x28 kafka-1.acme.com \xa0\xa1");
    let mut out = Vec::new();
    redactor().redact_line(&line, &mut out);
    assert!(out.starts_with(b"\xff\xfe caf\xc3\xa9 \x80 host "));
    assert!(out.ends_with(b" \xa0\xa1"));
    assert!(memchr::memmem::find(&out, b"\xc3\x28 ").is_some());
    assert!(memchr::memmem::find(&out, b"10.0.0.1").is_none());
    assert!(memchr::memmem::find(&out, b"acme").is_none());
    // an address right next to invalid bytes is still redacted
    let mut out = Vec::new();
    redactor().redact_line(b"\xff10.0.0.1\xfe", &mut out);
    assert!(memchr::memmem::find(&out, b"10.0.0.1").is_none(), "{:?}", String::from_utf8_lossy(&out));
}

#[test]
fn pem_private_keys_are_secrets() {
    let text = "ssl.keystore.key=-----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC -----END PRIVATE KEY-----\n\
                -----BEGIN ENCRYPTED PRIVATE KEY-----\n\
                MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQIexample\n\
                dGhpcyBpcyBub3QgYSByZWFsIGtleSBqdXN0IGEgdGVzdA==\n\
                -----END ENCRYPTED PRIVATE KEY-----\n\
                -----BEGIN CERTIFICATE-----\n\
                MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYD\n\
                -----END CERTIFICATE-----\n";
    let out = redactor().redact_str(text);
    assert_eq!(out.lines().count(), text.lines().count());
    // an unterminated block ends at the first line that is not base64
    let out2 = redactor().redact_str("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAexample\n[2024-01-01 00:00:00,000] INFO commitId 2ae524ed625438c5abc\n");
    assert!(out2.contains("INFO commitId 2ae524ed625438c5abc") && !out2.contains("MIIEowIBAAKCAQEAexample"), "{out2}");
    for gone in ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "MIIFHDBOBgkq", "dGhpcyBpcyBub3Q"] {
        assert!(!out.contains(gone), "{gone} in {out}");
    }
    for kept in [
        "ssl.keystore.key=secret-",
        "-----END ENCRYPTED PRIVATE KEY-----",
        "MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYD",
    ] {
        assert!(out.contains(kept), "{kept} missing from {out}");
    }
}

/// xorshift: deterministic pseudo-random bytes for the no-panic test.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_input_never_panics_keeps_newlines_and_is_deterministic() {
    const PIECES: &[&[u8]] = &[
        b"10.0.0.1",
        b"::",
        b":",
        b"ffff:",
        b"::ffff:",
        b"1.2.3.4",
        b"/",
        b"/24",
        b"@",
        b"=",
        b"\"",
        b"'",
        b"User:",
        b"CN=",
        b",OU=",
        b"O=",
        b"password=",
        b"://",
        b"http",
        b"[",
        b"]",
        b"-",
        b".",
        b"com",
        b"kafka-1",
        b"acme",
        b" ",
        b"\t",
        b"\n",
        b"\r",
        b"\xff",
        b"\xc3",
        b"eyJ",
        b"00:1a:2b:3c:4d:5e",
        b"0",
        b"9092",
        b"%eth0",
        b"bootstrap.servers",
        b"user_",
        b"a",
        b"Z",
        b"\\",
        b",",
        b"Bearer ",
        b"fe80",
        b"1@",
        b"/0:0:0:0:0:0:0:1",
        b"localhost",
        b"-----BEGIN PRIVATE KEY-----",
        b"-----END",
        b"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        b"User:",
        b"Group:",
        b"LITERAL:",
        b"uid=",
        b"/<unresolved>",
        b"UnknownHostException: ",
        b"10.0.0.5:54321-",
        b"'",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut r = redactor();
    let mut kw = Redactor::new(
        key(3),
        RedactConfig {
            keywords: vec!["acme".into(), "a".into()],
            regexes: vec!["k(af)ka".into(), r"\d+".into()],
            ..RedactConfig::default()
        },
    )
    .unwrap();
    let mut off = Redactor::new(key(1), RedactConfig { kinds: Kinds::NONE, ..RedactConfig::default() }).unwrap();
    for _ in 0..3000 {
        let mut line = Vec::new();
        for _ in 0..rng.next() % 40 {
            if rng.next().is_multiple_of(4) {
                line.push(rng.next() as u8);
            } else {
                line.extend_from_slice(PIECES[(rng.next() % PIECES.len() as u64) as usize]);
            }
        }
        let show = String::from_utf8_lossy(&line).into_owned();
        let nl = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
        for red in [&mut r, &mut kw] {
            let mut out = Vec::new();
            red.end_file();
            red.redact_text(&line, &mut out);
            assert_eq!(nl(&out), nl(&line), "{show:?}");
        }
        // deterministic: a fresh redactor with the same key writes the same bytes, and every
        // token it records is in its output
        let mut fresh = redactor();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        r.end_file();
        r.redact_text(&line, &mut a);
        fresh.redact_text(&line, &mut b);
        assert_eq!(a, b, "{show:?}");
        for (token, _) in fresh.mapping().iter() {
            assert!(memchr::memmem::find(&b, token.as_bytes()).is_some(), "{token} not in output of {show:?}");
        }
        // everything off: the input comes back unchanged
        let mut out = Vec::new();
        off.redact_text(&line, &mut out);
        assert_eq!(out, line, "{show:?}");
    }
}

#[test]
fn long_pathological_lines_are_fast() {
    let mut r = redactor();
    for unit in [
        &b"1:"[..],
        b"a.",
        b"a@",
        b"http://",
        b"CN=a ",
        b"=",
        b"eyJ.",
        b"0.0.0.0.",
        b"aa-",
        b"bootstrap.servers=[",
        b"User:a ",
        b"fe80::1 ",
        b"password=\"",
        b"-----BEGIN PRIVATE KEY----- ",
        b"a/1.2.3.4 ",
        b"kafka-1:9092 ",
    ] {
        let line = unit.repeat(200_000 / unit.len());
        let t = std::time::Instant::now();
        let mut out = Vec::new();
        r.redact_line(&line, &mut out);
        assert!(t.elapsed().as_secs_f64() < 5.0, "{:?} too slow", String::from_utf8_lossy(unit));
    }
}

// ------------------------------------------------------------------ config

#[test]
fn kinds_can_be_switched_off() {
    let line = "User:alice 10.0.0.1 kafka-1.acme.com:9092 2001:db8::1 a@acme.com 00:1a:2b:3c:4d:5e password=x";
    let mut k = Kinds::ALL;
    for name in Kinds::NAMES {
        k.set(name, false).unwrap();
    }
    assert_eq!(k, Kinds::NONE);
    let mut r = Redactor::new(key(1), RedactConfig { kinds: Kinds::NONE, ..RedactConfig::default() }).unwrap();
    assert_eq!(r.redact_str(line), line);
    let mut only_ip = Kinds::NONE;
    only_ip.set("ip", true).unwrap();
    let mut r = Redactor::new(key(1), RedactConfig { kinds: only_ip, ..RedactConfig::default() }).unwrap();
    let out = r.redact_str(line);
    assert!(!out.contains("10.0.0.1") && !out.contains("2001:db8::1"));
    assert!(out.contains("User:alice") && out.contains("kafka-1.acme.com") && out.contains("password=x"));
    assert!(k.set("nope", true).is_err());
}

#[test]
fn keywords_and_regexes() {
    let cfg = RedactConfig {
        keywords: vec!["Globex".into(), "project-x".into()],
        regexes: vec![r"ticket-(\d+)".into(), r"ACCT\d{6}".into()],
        ..RedactConfig::default()
    };
    let mut r = Redactor::new(key(1), cfg).unwrap();
    let out = r.redact_str("GLOBEX and globex run project-X for ticket-12345 on ACCT123456 topic globex-orders");
    assert!(!out.to_lowercase().contains("globex"), "{out}");
    assert!(!out.contains("project-X") && !out.contains("12345") && !out.contains("ACCT123456"), "{out}");
    assert!(out.contains("ticket-rx-"), "{out}");
    // case-insensitive keywords share one token
    let toks: Vec<&str> = out.split(' ').filter(|w| w.starts_with("kw-")).collect();
    assert_eq!(toks[0], toks[1]);
    assert!(out.contains("-orders"));
    // case-sensitive option
    let mut r = Redactor::new(
        key(1),
        RedactConfig { keywords: vec!["Globex".into()], keywords_ignore_case: false, ..RedactConfig::default() },
    )
    .unwrap();
    assert_eq!(r.redact_str("GLOBEX"), "GLOBEX");
    assert!(Redactor::new(key(1), RedactConfig { regexes: vec!["(".into()], ..RedactConfig::default() }).is_err());
    assert!(Redactor::new(key(1), RedactConfig { keywords: vec![String::new()], ..RedactConfig::default() }).is_err());
}

// ------------------------------------------------------------------ mapping and key files

#[test]
fn mapping_reverses_tokens_but_never_holds_secrets() {
    let mut r = redactor();
    let host = token_in(&mut r, "h {} x", "kafka-1.prod.acme.com");
    let ip = token_in(&mut r, "ip {} x", "10.0.0.1");
    let user = token_in(&mut r, "User:{} x", "alice");
    let out = r.redact_str("p kafka/b.acme.com@ACME.COM x");
    let realm = out.split_once('@').unwrap().1.trim_end_matches(" x").to_string();
    let secret = token_in(&mut r, "password={}", "hunter2");
    let m = r.mapping();
    assert_eq!(m.reverse(&host).unwrap().original, "kafka-1.prod.acme.com");
    assert_eq!(m.reverse(&host).unwrap().kind, Kind::Host);
    assert_eq!(m.reverse(&ip).unwrap().original, "10.0.0.1");
    assert_eq!(m.reverse(&user).unwrap().original, "alice");
    assert_eq!(m.reverse(&realm).unwrap().original, "ACME.COM");
    // parent domains reverse too
    let parent = host.split_once('.').unwrap().1;
    assert_eq!(m.reverse(parent).unwrap().original, "prod.acme.com");
    assert!(m.reverse(&secret).is_none());
    assert!(m.iter().all(|(_, e)| e.kind != Kind::Secret && !e.original.contains("hunter2")));
    assert_eq!(m.collisions(), 0);
}

#[test]
fn mapping_save_load_merge() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("map.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut a = redactor();
    let ta = token_in(&mut a, "h {} x", "kafka-1.acme.com");
    a.mapping().save(&path).unwrap();
    let mut b = redactor();
    let tb = token_in(&mut b, "ip {} x", "10.9.8.7");
    b.mapping().save(&path).unwrap();
    let m = Mapping::load(&path).unwrap();
    assert_eq!(m.reverse(&ta).unwrap().original, "kafka-1.acme.com");
    assert_eq!(m.reverse(&tb).unwrap().original, "10.9.8.7");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // a conflicting map is refused
    let bad = r#"{"format":"fieldkit-redact-map/1","entries":{"TOKEN":{"kind":"host","original":"x"}}}"#;
    std::fs::write(&path, bad.replace("TOKEN", &ta)).unwrap();
    assert!(a.mapping().save(&path).is_err());
    std::fs::write(&path, "not json").unwrap();
    assert!(Mapping::load(&path).is_err());
    // merge of per-worker maps
    let mut merged = Mapping::new();
    merged.merge(a.mapping()).unwrap();
    merged.merge(b.mapping()).unwrap();
    merged.merge(a.mapping()).unwrap();
    assert_eq!(merged.len(), a.mapping().len() + b.mapping().len());
}

#[test]
fn key_file_is_created_once_with_owner_only_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys").join("redact.key");
    let k1 = load_or_create_key(&path).unwrap();
    let k2 = load_or_create_key(&path).unwrap();
    assert_eq!(k1, k2);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.trim().len(), 64);
    assert_eq!(Key::from_hex(&text).unwrap(), k1);
    assert_eq!(format!("{k1:?}"), "Key(<hidden>)");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let other = load_or_create_key(&dir.path().join("other.key")).unwrap();
    assert_ne!(k1, other);
    std::fs::write(&path, "zz").unwrap();
    assert!(load_or_create_key(&path).is_err());
    assert!(Key::from_hex("00").is_err());
}

#[test]
fn redactor_can_move_to_worker_threads() {
    fn assert_send_clone<T: Send + Clone + 'static>() {}
    assert_send_clone::<Redactor>();
    assert_send_clone::<Mapping>();
    // clones in threads give the same tokens; their maps merge
    let base = redactor();
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let mut r = base.clone();
            std::thread::spawn(move || (r.redact_str("kafka-1.acme.com 10.0.0.1 User:alice"), r.take_mapping()))
        })
        .collect();
    let results: Vec<(String, Mapping)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results[0].0, results[1].0);
    let mut merged = Mapping::new();
    for (_, m) in &results {
        merged.merge(m).unwrap();
    }
    assert_eq!(merged.len(), results[0].1.len());
}
