#!/usr/bin/env python3
"""Writes N synthetic but valid FHIR R4 resources as ndjson, for the memory benchmark.

One Patient for every four Observations (vital signs referencing their Patient). Every
resource carries a fixed id ("bench-pat-000001", "bench-obs-000001", ...) so that the
benchmark can load them with PUT and then read them back by id. Patients come first, so a
loader going through the file in order stores a subject before its Observations.

Output is deterministic for a given N and --seed. Standard library only.

Usage: bench/gen_ndjson.py N OUT.ndjson [--seed 1]
"""

import argparse
import json
import random
import sys

FAMILIES = ["Smith", "Jones", "Garcia", "Müller", "Nguyen", "Okafor", "Kowalski", "Rossi",
            "Tanaka", "Silva", "Novak", "Haddad", "Andersen", "O'Brien", "Ivanova", "Khan"]
GIVEN = ["Ana", "Ben", "Chloé", "David", "Emre", "Fatima", "George", "Hana", "Ivan", "Jun",
         "Kwame", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Yuki"]
CITIES = [("Boston", "MA", "02115"), ("Denver", "CO", "80202"), ("Austin", "TX", "73301"),
          ("Seattle", "WA", "98101"), ("Chicago", "IL", "60601")]

# (LOINC code, display, unit (UCUM), low, high, decimals)
VITALS = [
    ("8867-4", "Heart rate", "/min", 50, 120, 0),
    ("9279-1", "Respiratory rate", "/min", 10, 25, 0),
    ("8310-5", "Body temperature", "Cel", 35.5, 39.5, 1),
    ("29463-7", "Body weight", "kg", 3, 150, 1),
    ("8302-2", "Body height", "cm", 45, 200, 1),
    ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", 88, 100, 0),
    ("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", 15, 40, 1),
]


def patient(i, rng):
    city, state, postal = rng.choice(CITIES)
    return {
        "resourceType": "Patient",
        "id": f"bench-pat-{i:06d}",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": f"MRN{i:08d}"}],
        "active": True,
        "name": [{"use": "official", "family": rng.choice(FAMILIES),
                  "given": [rng.choice(GIVEN), rng.choice(GIVEN)]}],
        "telecom": [{"system": "phone", "value": f"555-{rng.randrange(10000):04d}", "use": "home"}],
        "gender": rng.choice(["male", "female", "other", "unknown"]),
        "birthDate": f"{rng.randrange(1930, 2024)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "address": [{"use": "home", "line": [f"{rng.randrange(1, 999)} Main St"], "city": city,
                     "state": state, "postalCode": postal, "country": "US"}],
    }


def observation(i, patient_count, rng):
    code, display, unit, low, high, decimals = rng.choice(VITALS)
    value = round(rng.uniform(low, high), decimals)
    if decimals == 0:
        value = int(value)
    subject = rng.randrange(1, patient_count + 1)
    return {
        "resourceType": "Observation",
        "id": f"bench-obs-{i:06d}",
        "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs", "display": "Vital Signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": display}],
                 "text": display},
        "subject": {"reference": f"Patient/bench-pat-{subject:06d}"},
        "effectiveDateTime": (f"{rng.randrange(2015, 2025)}-{rng.randrange(1, 13):02d}-"
                              f"{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:"
                              f"{rng.randrange(60):02d}:00Z"),
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                          "code": unit},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", type=int, help="number of resources to write (>= 1)")
    ap.add_argument("out", help="output .ndjson file ('-' for stdout)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.count < 1:
        ap.error("count must be >= 1")

    rng = random.Random(args.seed)
    patients = max(1, args.count // 5)
    observations = args.count - patients
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    with out:
        for i in range(1, patients + 1):
            out.write(json.dumps(patient(i, rng), ensure_ascii=False, separators=(",", ":")) + "\n")
        for i in range(1, observations + 1):
            out.write(json.dumps(observation(i, patients, rng), ensure_ascii=False,
                                 separators=(",", ":")) + "\n")
    print(f"wrote {patients} Patients and {observations} Observations to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
