#!/usr/bin/env python3
"""Groups a bench/search data set into patient transaction Bundles, and posts them.

  bundles.py make DATASET_DIR OUT_DIR [--patients-per-bundle 5]
      Writes OUT_DIR/bundle-NNNNN.json: each a transaction of several patients' whole records
      (the Patient and every resource that references it, plus what those need first), with PUT
      entries (the data set has fixed ids), Patients first. Prints the bundle and entry counts.
  bundles.py post BASE_URL OUT_DIR [--clients 2]
      POSTs every bundle, `clients` at a time, and prints one line
      "KILN_INGEST bundles=B entries=E seconds=S failed=F". A bundle whose response is not 200
      counts as failed (and its entries as not stored).

Standard library only.
"""

import argparse
import concurrent.futures
import glob
import http.client
import json
import os
import sys
import time
import urllib.parse

ORDER = ["Organization", "Location", "Patient", "Encounter", "Condition", "MedicationRequest",
         "Observation", "DocumentReference"]


def patient_of(res):
    for key in ("subject", "patient"):
        ref = res.get(key, {}).get("reference", "")
        if ref.startswith("Patient/"):
            return ref[len("Patient/"):]
    return None


def make(args):
    by_patient = {}
    shared = []  # Organizations and Locations: their own first bundle
    for path in sorted(glob.glob(os.path.join(args.dataset, "*.ndjson"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                res = json.loads(line)
                if res["resourceType"] == "Patient":
                    by_patient.setdefault(res["id"], []).append((res, line.strip()))
                    continue
                pid = patient_of(res)
                if pid is None:
                    shared.append((res, line.strip()))
                else:
                    by_patient.setdefault(pid, []).append((res, line.strip()))
    os.makedirs(args.out, exist_ok=True)
    groups = [shared] if shared else []
    ids = sorted(by_patient)
    for i in range(0, len(ids), args.patients_per_bundle):
        group = []
        for pid in ids[i:i + args.patients_per_bundle]:
            group.extend(by_patient[pid])
        groups.append(group)
    entries = 0
    for n, group in enumerate(groups):
        group.sort(key=lambda rl: ORDER.index(rl[0]["resourceType"]) if rl[0]["resourceType"] in ORDER else 99)
        parts = []
        for res, line in group:
            url = f'{res["resourceType"]}/{res["id"]}'
            parts.append('{"fullUrl":"%s","resource":%s,"request":{"method":"PUT","url":"%s"}}' % (url, line, url))
        entries += len(parts)
        with open(os.path.join(args.out, f"bundle-{n:05d}.json"), "w", encoding="utf-8") as f:
            f.write('{"resourceType":"Bundle","type":"transaction","entry":[' + ",".join(parts) + "]}")
    print(f"bundles={len(groups)} entries={entries}")


def post_one(base, path):
    u = urllib.parse.urlsplit(base)
    body = open(path, "rb").read()
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    conn.request("POST", u.path, body, {"Content-Type": "application/fhir+json", "Prefer": "return=minimal"})
    res = conn.getresponse()
    data = res.read()
    conn.close()
    n = body.count(b'"request":{"method":')
    if res.status != 200:
        sys.stderr.write(f"bundle {path}: HTTP {res.status}: {data[:300]!r}\n")
    return res.status == 200, n


def post(args):
    paths = sorted(glob.glob(os.path.join(args.out, "bundle-*.json")))
    if paths and "bundle-00000.json" in paths[0]:
        post_one(args.base, paths[0])  # shared resources first (Organizations, Locations)
        paths = paths[1:]
    started = time.monotonic()
    entries = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.clients) as pool:
        for ok, n in pool.map(lambda p: post_one(args.base, p), paths):
            if ok:
                entries += n
            else:
                failed += 1
    seconds = time.monotonic() - started
    print(f"KILN_INGEST bundles={len(paths)} entries={entries} seconds={seconds:.3f} failed={failed}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("dataset")
    m.add_argument("out")
    m.add_argument("--patients-per-bundle", type=int, default=5)
    q = sub.add_parser("post")
    q.add_argument("base")
    q.add_argument("out")
    q.add_argument("--clients", type=int, default=2)
    args = p.parse_args()
    make(args) if args.cmd == "make" else post(args)


if __name__ == "__main__":
    main()
