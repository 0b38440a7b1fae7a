//! The general part of the documents: how each security control works and why it matters, and the
//! general operations FAQ. Plain data; templates decide where it goes.

use serde::Serialize;

/// One control of the general part.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Control {
    pub id: &'static str,
    pub title: &'static str,
    pub how: &'static str,
    pub why: &'static str,
    /// Finding ids of the check catalogue this control answers.
    pub findings: &'static [&'static str],
}

pub const CONTROLS: &[Control] = &[
    Control {
        id: "tls",
        title: "TLS: encryption in transit",
        how: "A listener mapped to SSL or SASL_SSL wraps every connection in TLS. The broker presents a certificate from its keystore; clients verify it against their truststore and, with ssl.endpoint.identification.algorithm=https (the default), check that the host name they dialled is in the certificate's SAN. Inter-broker and controller traffic use the listeners named by inter.broker.listener.name and controller.listener.names, so they are encrypted only when those listeners are.",
        why: "Kafka carries business data, and SASL/PLAIN carries passwords. Without TLS anyone on the network path (a span port, a compromised switch, a cloud VPC peer) reads both. TLS costs CPU (zero-copy sendfile is lost on encrypted listeners) but is the baseline for production.",
        findings: &[
            "plaintext-listener",
            "sasl-without-tls",
            "sasl-plain-without-tls",
            "http-without-tls",
            "ssl-endpoint-identification-disabled",
        ],
    },
    Control {
        id: "mtls",
        title: "mTLS: client certificates",
        how: "With ssl.client.auth=required (cp-ansible: ssl_mutual_auth_enabled: true) the broker asks every client for a certificate signed by a CA in its truststore. The principal is the certificate's distinguished name, optionally rewritten by ssl.principal.mapping.rules (e.g. CN only) so ACLs and role bindings can name it.",
        why: "Authentication without passwords to rotate or leak; the private key never crosses the wire. The cost is a PKI: issuance, renewal before expiry, and revocation (Kafka does not check CRLs/OCSP by default, so short-lived certificates are the practical revocation).",
        findings: &["unauthenticated-listener"],
    },
    Control {
        id: "sasl",
        title: "SASL authentication mechanisms",
        how: "SASL_SSL and SASL_PLAINTEXT listeners authenticate clients with the mechanisms in sasl.enabled.mechanisms: PLAIN (user and password sent to the broker, checked against a file, LDAP or a callback), SCRAM-SHA-256/512 (salted challenge-response; credentials stored in the metadata log or ZooKeeper, created with kafka-configs), GSSAPI (Kerberos tickets from a KDC / Active Directory) and OAUTHBEARER (tokens from an identity provider, validated by signature). The JAAS configuration of each listener names the login module.",
        why: "Authentication gives each client a principal, which is what authorization, quotas and audit logs act on. PLAIN must only run over TLS because the password itself is sent; SCRAM and Kerberos never send it, but the data still needs TLS.",
        findings: &["sasl-plain-without-tls", "sasl-without-tls", "unauthenticated-listener"],
    },
    Control {
        id: "authorization",
        title: "Authorization: ACLs and RBAC",
        how: "authorizer.class.name turns on authorization. Apache Kafka's StandardAuthorizer (KRaft) or AclAuthorizer (ZooKeeper) evaluates ACLs: principal, host, operation (Read, Write, Create, Describe, Alter…) and resource (topic, group, cluster, transactional id; literal or prefixed). Confluent Server's ConfluentServerAuthorizer adds role-based access control (RBAC): role bindings (DeveloperRead, ResourceOwner, SystemAdmin…) on resources, managed through the Metadata Service (MDS) and backed by LDAP groups. With allow.everyone.if.no.acl.found=false (the default) a resource without an ACL is denied to everyone but super users.",
        why: "Authentication says who a client is; authorization says what it may do. Without an authorizer any client that connects may read, write and delete every topic. super.users bypass every check, so the list must stay short: the brokers' own principals and a break-glass admin.",
        findings: &["no-authorizer", "allow-everyone-if-no-acl", "broad-super-users"],
    },
    Control {
        id: "kraft",
        title: "KRaft controllers and the metadata quorum",
        how: "In KRaft mode a quorum of controllers (process.roles=controller) holds the cluster metadata in a Raft log; controller.quorum.voters (or controller.quorum.bootstrap.servers) lists them. Controllers listen on the listener named by controller.listener.names, which should use the same TLS and authentication as the brokers. A quorum of N voters survives floor((N-1)/2) failures.",
        why: "The controllers decide leadership, ACLs and configs: a client that can talk to a controller listener unauthenticated can change the cluster. Three voters tolerate one failure; five tolerate two (or one during maintenance).",
        findings: &["controller-quorum-size", "plaintext-listener"],
    },
    Control {
        id: "zookeeper",
        title: "ZooKeeper security (ZooKeeper-mode clusters)",
        how: "Brokers authenticate to ZooKeeper with SASL (DIGEST-MD5 or Kerberos) or mTLS (zookeeper.ssl.client.enable with a keystore); zookeeper.set.acl=true makes brokers create znodes readable by all but writable only by the broker principal. ZooKeeper's own client port should be TLS (secureClientPort).",
        why: "ZooKeeper holds broker registrations, topic configs and, with AclAuthorizer, the ACLs themselves: anyone who can write to it can grant themselves access or break the cluster. ZooKeeper mode is removed in Kafka 4.0: migrating to KRaft removes this surface.",
        findings: &["zookeeper-without-acl"],
    },
    Control {
        id: "jmx",
        title: "JMX, Jolokia and metrics exposure",
        how: "Brokers expose metrics over JMX. The Prometheus JMX exporter (a Java agent) serves them read-only over HTTP without authentication; Jolokia serves JMX over HTTP/JSON including write operations and can require basic authentication and TLS (cp-ansible: jolokia_auth_mode, jolokia_ssl_enabled). Remote JMX (JMX_PORT / com.sun.management.jmxremote) should stay disabled or bound to localhost with authentication.",
        why: "Metrics reveal topic names, client ids and hosts; JMX write operations can change logging or invoke management operations on a running broker. These ports belong behind a firewall that admits only the monitoring servers.",
        findings: &["jmx-exporter-open", "jolokia-without-auth"],
    },
    Control {
        id: "rest",
        title: "REST components (Schema Registry, Connect, ksqlDB, REST Proxy, Control Center)",
        how: "Each component serves HTTP(S) on its own listener and is also a Kafka client. cp-ansible turns on HTTPS with ssl_enabled or <component>_ssl_enabled, and with RBAC the components authenticate users against MDS tokens; without RBAC they accept basic authentication or none.",
        why: "Schemas, connector configurations (which often carry database passwords) and query results travel through these endpoints; an open Connect REST API lets anyone run code in a worker through a connector.",
        findings: &["http-without-tls"],
    },
    Control {
        id: "durability",
        title: "Replication and durability settings",
        how: "default.replication.factor (3), min.insync.replicas (2) and producers with acks=all together mean a write is acknowledged once two brokers have it, and one broker can be down without stopping writes. unclean.leader.election.enable=false keeps an out-of-sync replica from becoming leader. broker.rack spreads replicas over racks or zones.",
        why: "These are the difference between a broker restart being routine and a broker restart losing acknowledged data or stopping producers.",
        findings: &[
            "replication-factor-one",
            "min-isr-one",
            "min-isr-not-below-rf",
            "unclean-leader-election",
            "internal-topic-under-replicated",
            "rack-awareness-missing",
            "log-dirs-in-tmp",
            "auto-create-topics",
        ],
    },
];

/// One general question and answer.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Faq {
    pub question: &'static str,
    pub answer: &'static str,
}

pub const GENERAL_FAQ: &[Faq] = &[
    Faq {
        question: "How do I restart a broker without losing availability?",
        answer: "One broker at a time: wait until under-replicated partitions are 0 and the controller reports the broker back (kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions), then move on. With RF=3 and min.insync.replicas=2, producers with acks=all keep writing while one broker is down. cp-ansible's rolling restart does this check between hosts.",
    },
    Faq {
        question: "How do I rotate TLS certificates?",
        answer: "Add the new CA to every truststore first (clients and brokers), roll the brokers, then replace the keystores and roll again; finally remove the old CA. Kafka can reload a keystore without restart through kafka-configs --alter --entity-type brokers --add-config listener.name.X.ssl.keystore.location=… on the same path. Track expiry dates: an expired broker certificate stops every client at once.",
    },
    Faq {
        question: "How do I add a user or an application?",
        answer: "Create its credentials (SCRAM: kafka-configs --alter --add-config 'SCRAM-SHA-512=[password=…]' --entity-type users; mTLS: issue a certificate; Kerberos: a principal and keytab), then grant only what it needs: kafka-acls --add --allow-principal User:app --operation Read --topic orders --group app-group, or an RBAC role binding with confluent iam rbac role-binding create.",
    },
    Faq {
        question: "What replication settings should topics use?",
        answer: "replication.factor=3 and min.insync.replicas=2, producers with acks=all and enable.idempotence=true (the default since Kafka 3.0). Internal topics (__consumer_offsets, __transaction_state, _confluent-*) need the same replication and must be set before they are first created.",
    },
    Faq {
        question: "Why should automatic topic creation be off?",
        answer: "A producer or consumer with a typo creates a topic with the broker defaults, which nobody owns or monitors. Create topics deliberately (GitOps, Terraform, an admin tool) with their partitions, replication and retention reviewed.",
    },
    Faq {
        question: "What should be monitored first?",
        answer: "Under-replicated and offline partitions, active controller count (exactly 1), request latency (produce / fetch p99), consumer lag per group, disk usage of log.dirs, ISR shrinks and expands, and certificate expiry. The JMX exporter or Jolokia ports serve these metrics; keep them firewalled to the monitoring servers.",
    },
    Faq {
        question: "How many partitions should a topic have?",
        answer: "Enough for the throughput: max(target / producer throughput per partition, target / consumer throughput per partition), and at least the number of consumers in the largest group. `fieldkit size` computes it with its sources. More partitions cost controller work, open files and recovery time.",
    },
    Faq {
        question: "How do we move from ZooKeeper to KRaft?",
        answer: "Upgrade to a release that supports migration (Confluent Platform 7.6+ / Kafka 3.6+), deploy a KRaft controller quorum in migration mode, roll the brokers to migration mode, then to KRaft, then finalise. cp-ansible automates it (migration inventories). Kafka 4.0 and Confluent Platform 8.0 no longer support ZooKeeper.",
    },
];
