#!/usr/bin/env python3
"""A Kafka client that is not fieldkit (confluent-kafka, which bundles librdkafka), for the
tansu end-to-end test (crates/fieldkit/tests/kafka_e2e.rs) and scripts/bench-kafka.

  kafka-maas.py create  --brokers B --topic T --partitions N
  kafka-maas.py produce --brokers B --topic T --count N [--malformed-every 100] [--oversized-every 20]
  kafka-maas.py consume --brokers B --topic T --group G --count N
  kafka-maas.py offsets --brokers B --topic T [--group G]
  kafka-maas.py delete  --brokers B --topic T

`produce` builds notifications from the two MaaS samples in ../shared/data/maas (read there,
never copied) with a distinct event_id (so a distinct dedup key), tenant, entity, time and state
for every message. Message i with i % MALFORMED_EVERY == MALFORMED_EVERY - 1 is malformed,
cycling through truncated JSON, binary garbage and a JSON document with the wrong types; every
OVERSIZED_EVERY-th malformed message is instead a JSON document over 1 MiB (larger than the
pipeline's max_record_bytes). Prints one JSON line: {"produced", "malformed", "oversized", "bytes",
"ends"}, where "ends" is, per partition, one past the highest offset the broker acknowledged.

`consume` is the bare baseline consumer: a consumer group member that reads until it has N
messages and does nothing with them. Prints {"messages", "bytes", "seconds"}.

`offsets` prints {"end": {partition: high watermark}, "committed": {partition: offset}}.

tansu 0.6.0 (memory storage) has two bugs with multi-record batches: its high watermark
(ListOffsets LATEST) is the base offset of the last batch + 1, and a fetch from an offset inside a
batch returns the next batch, so a consumer that resumes mid-batch silently skips records. With
--one-per-batch every record is its own batch and both disappear; the end-to-end test uses it and
compares the group's offsets with produce's "ends" (from delivery reports).

Needs the venv scripts/install-test-deps creates (.test-services/venv).
"""

import argparse
import json
import os
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "..", "shared", "data", "maas")
STATES = ("OK", "WARNING", "CRITICAL")
OVERSIZE = 1_100_000  # > 1 MiB, the shipped max_record_bytes


def samples():
    out = []
    for name in ("maas-example.json", "maas-example-critical-real.json"):
        with open(os.path.join(SAMPLES, name), encoding="utf-8") as f:
            out.append(json.load(f))
    return out


def notification(tpl, i):
    ts = 1_700_000_000_000 + i * 1000
    state = STATES[i % 3]
    v = dict(tpl)
    v["event_id"] = f"ac{i % 37}:en{i % 500}:al{i % 11}:ch{i % 13}:{ts}:{state}"
    v["tenant_id"] = str(100_000 + i % 37)
    v["log_entry_id"] = f"log-{i}"
    d = dict(v["details"])
    d["timestamp"] = ts
    d["state"] = state
    v["details"] = d
    if "entity" in v:
        e = dict(v["entity"])
        e["label"] = f"node-{i % 500}"
        e["id"] = f"en{i % 500}"
        v["entity"] = e
    return json.dumps(v, separators=(",", ":")).encode()


def malformed(tpls, i, k, oversized_every):
    """The k-th malformed message; returns (payload, is_oversized)."""
    if oversized_every and k % oversized_every == 0:
        return json.dumps({"pad": "x" * OVERSIZE, "n": i}).encode(), True
    kind = k % 3
    if kind == 0:  # truncated JSON: a real notification cut in the middle
        full = notification(tpls[i % 2], i)
        return full[: len(full) // 2], False
    if kind == 1:  # binary garbage
        return bytes([0xFF, 0xFE, 0x00, 0x01, 0x80]) + bytes((x * 7 + i) % 256 for x in range(200)), False
    # valid JSON, wrong types: no string/number where the mapping needs them
    doc = {"event_id": i, "tenant_id": [i], "details": {"state": 7, "timestamp": "soon"}, "entity": "n"}
    return json.dumps(doc).encode(), False


def cmd_create(a):
    admin = AdminClient({"bootstrap.servers": a.brokers})
    fut = admin.create_topics([NewTopic(a.topic, num_partitions=a.partitions, replication_factor=1)])
    for f in fut.values():
        f.result(30)
    # Wait until the metadata shows every partition.
    deadline = time.time() + 30
    while time.time() < deadline:
        md = admin.list_topics(a.topic, timeout=10)
        t = md.topics.get(a.topic)
        if t is not None and t.error is None and len(t.partitions) == a.partitions:
            print(json.dumps({"topic": a.topic, "partitions": a.partitions}))
            return
        time.sleep(0.1)
    sys.exit(f"kafka-maas: topic {a.topic} did not appear with {a.partitions} partitions")


def cmd_delete(a):
    admin = AdminClient({"bootstrap.servers": a.brokers})
    for f in admin.delete_topics([a.topic]).values():
        f.result(30)
    print(json.dumps({"deleted": a.topic}))


def cmd_produce(a):
    tpls = samples()
    p = Producer(
        {
            "bootstrap.servers": a.brokers,
            "message.max.bytes": 2_000_000,
            "linger.ms": 20,
            # tansu 0.6.0 answers a fetch from an offset inside a record batch with the NEXT
            # batch: a consumer resuming mid-batch silently skips records. --one-per-batch puts
            # every record in its own batch, so any committed offset is a batch boundary.
            "batch.num.messages": 1 if a.one_per_batch else 2000,
            "queue.buffering.max.messages": 200_000,
            "enable.idempotence": False,
            "acks": "all",
        }
    )
    failed = []
    ends = {}

    def report(err, msg):
        if err is not None:
            failed.append(str(err))
        else:
            ends[msg.partition()] = max(ends.get(msg.partition(), 0), msg.offset() + 1)

    produced = bad = oversized = total = 0
    for i in range(a.count):
        if a.malformed_every and i % a.malformed_every == a.malformed_every - 1:
            payload, big = malformed(tpls, i, bad, a.oversized_every)
            bad += 1
            oversized += big
        else:
            payload = notification(tpls[i % 2], i)
        while True:
            try:
                p.produce(a.topic, payload, key=str(i).encode(), on_delivery=report)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
        produced += 1
        total += len(payload)
    left = p.flush(120)
    if left or failed:
        sys.exit(f"kafka-maas: {left} messages not delivered, {len(failed)} failed: {failed[:3]}")
    out = {"produced": produced, "malformed": bad, "oversized": oversized, "bytes": total}
    out["ends"] = {str(k): v for k, v in sorted(ends.items())}
    print(json.dumps(out))


def cmd_consume(a):
    c = Consumer(
        {
            "bootstrap.servers": a.brokers,
            "group.id": a.group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": True,
        }
    )
    c.subscribe([a.topic])
    n = size = 0
    start = None
    deadline = time.time() + a.timeout
    while n < a.count:
        if time.time() > deadline:
            sys.exit(f"kafka-maas: consumed only {n} of {a.count} messages in {a.timeout} s")
        msgs = c.consume(1000, 1.0)
        for m in msgs:
            if m.error():
                continue
            if start is None:
                start = time.time()
            n += 1
            size += len(m.value() or b"")
    end = time.time()
    c.close()
    print(json.dumps({"messages": n, "bytes": size, "seconds_from_first": round(end - (start or end), 3)}))


def cmd_offsets(a):
    conf = {"bootstrap.servers": a.brokers, "group.id": a.group or "kafka-maas-offsets", "enable.auto.commit": False}
    c = Consumer(conf)
    md = c.list_topics(a.topic, timeout=10)
    parts = sorted(md.topics[a.topic].partitions)
    end = {p: c.get_watermark_offsets(TopicPartition(a.topic, p), timeout=10)[1] for p in parts}
    out = {"end": end}
    if a.group:
        got = c.committed([TopicPartition(a.topic, p) for p in parts], timeout=10)
        out["committed"] = {tp.partition: tp.offset for tp in got}
    c.close()
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("create", "produce", "consume", "offsets", "delete"):
        s = sub.add_parser(name)
        s.add_argument("--brokers", required=True)
        s.add_argument("--topic", required=True)
        if name == "create":
            s.add_argument("--partitions", type=int, default=4)
        if name == "produce":
            s.add_argument("--count", type=int, required=True)
            s.add_argument("--malformed-every", type=int, default=100)
            s.add_argument("--oversized-every", type=int, default=20, help="every Nth malformed message is >1 MiB; 0 = none")
            s.add_argument("--one-per-batch", action="store_true", help="one record per record batch (see above)")
        if name == "consume":
            s.add_argument("--group", required=True)
            s.add_argument("--count", type=int, required=True)
            s.add_argument("--timeout", type=float, default=600)
        if name == "offsets":
            s.add_argument("--group")
    a = ap.parse_args()
    try:
        cmds = {"create": cmd_create, "produce": cmd_produce, "consume": cmd_consume, "offsets": cmd_offsets}
        cmds["delete"] = cmd_delete
        cmds[a.cmd](a)
    except KafkaException as e:
        sys.exit(f"kafka-maas: {e}")


if __name__ == "__main__":
    main()
