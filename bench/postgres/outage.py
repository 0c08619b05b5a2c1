"""Writes under a fault: PUTs new Patients from 4 threads for SECONDS seconds while the caller
stops and restarts PostgreSQL, then checks every acknowledged write is there. Prints the status
counts, how fast the first 503 came back and what it said, and the acknowledged writes that are
missing (must be 0). Exits 1 when a write was lost, a 503 was not an OperationOutcome, or the
server never recovered. Usage: outage.py PORT SECONDS"""
import collections
import http.client
import json
import sys
import threading
import time

port, seconds = int(sys.argv[1]), float(sys.argv[2])
stop = time.time() + seconds
acked, codes, lock = [], collections.Counter(), threading.Lock()
slowest_503, bad_503, ok_after_503 = [0.0], [0], [0]


def worker(n):
    i = 0
    while time.time() < stop:
        i += 1
        rid = f"o{n}-{i}"
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            t0 = time.time()
            c.request("PUT", "/fhir/Patient/" + rid, json.dumps({"resourceType": "Patient", "id": rid}),
                      {"Content-Type": "application/fhir+json"})
            r = c.getresponse()
            body = r.read()
            dt = time.time() - t0
            with lock:
                codes[r.status] += 1
                if r.status in (200, 201):
                    acked.append(rid)
                    if codes[503]:
                        ok_after_503[0] += 1
                elif r.status == 503:
                    slowest_503[0] = max(slowest_503[0], dt)
                    if json.loads(body).get("resourceType") != "OperationOutcome":
                        bad_503[0] += 1
                    if codes[503] == 1:
                        print("first 503:", body.decode()[:240])
        except Exception:  # the server itself must stay up: count, and go on
            with lock:
                codes["connection error"] += 1
        time.sleep(0.01)


threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
missing = 0
for rid in acked:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/fhir/Patient/" + rid)
    r = c.getresponse()
    r.read()
    missing += r.status != 200
print("responses:", dict(codes))
print(f"slowest 503: {slowest_503[0] * 1000:.0f} ms; writes acknowledged after the first 503: {ok_after_503[0]}")
print(f"acknowledged: {len(acked)}; missing afterwards: {missing}")
sys.exit(1 if missing or bad_503[0] or (codes[503] and not ok_after_503[0]) else 0)
