#!/usr/bin/env python3
"""Writes a deterministic, Synthea-like FHIR R4 data set as ndjson, for the search benchmark.

For N patients (default 1000) it writes, into OUT_DIR, one .ndjson file per resource type:

  Organization       5       (org-1 .. org-5)
  Location           50      (loc-1 .. loc-50), each managed by an Organization
  Patient            N       (pat-n): MRN identifier http://hospital.example/mrn|MRN-n, name,
                             gender, birthDate 1930-2020, address, telecom
  Encounter          ~15/patient (enc-n-k): class, type, period, subject, one of the 50
                             Locations, serviceProvider
  Observation        ~65/patient (obs-n-k): vital signs and labs (22 LOINC codes),
                             valueQuantity (UCUM), effectiveDateTime 2010-2024, subject, encounter
  Condition          ~5/patient  (cond-n-k): SNOMED code, clinical/verification status, onset
  MedicationRequest  ~10/patient (med-n-k): RxNorm medication, status, intent, dosage
  DocumentReference  ~5/patient  (doc-n-k): status current, LOINC type, subject, date,
                             context.period and encounter, content attachment url

With the default 1000 patients that is about 101,000 resources. Every resource has an "id"
(so `kiln import` stores it under that id), and every line starts with resourceType and id.
Dates of a patient's records lie between max(birthDate, 2010-01-01) and 2024-12-31.

It also writes OUT_DIR/queries/*.txt, one search URL path per line (relative to the FHIR
base, percent-encoded), each built from the data so that it has matches:

  obs_patient_code.txt    Observation?patient=pat-n&code=http://loinc.org|C  (C one of the
                          codes pat-n has)
  patient_name.txt        Patient?name=P&birthdate=geY  (first line: name=smi&birthdate=ge1970)
  docref_chain.txt        DocumentReference?subject.identifier=http://hospital.example/mrn|MRN-n
                          &period=ge2013-01-01  (pat-n has a document whose period starts later,
                          and none ending within a day of 2013-01-01: the time zone of a
                          date without one is the server's choice)
  encounter_location.txt  Encounter?location=Location/loc-L&_include=Encounter:subject&_count=50
                          (only Locations with at least 50 Encounters)

and next to each list NAME.expected: for every URL, on the same line, how many resources it
matches in this data set (all pages; computed here with the FHIR matching rules the query
uses), which check_queries.py compares with the server's answers. OUT_DIR/summary.json
has the counts. Output is deterministic for a given N and --seed.
Python standard library only.

Usage: bench/search/gen_dataset.py OUT_DIR [--patients 1000] [--seed 1] [--queries 200]
"""

import argparse
import datetime as dt
import json
import os
import random
import sys
import urllib.parse

MRN_SYSTEM = "http://hospital.example/mrn"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
TZ = "-05:00"

# Family names: common US surnames, with a handful starting with "Smi"/"Smy" (about 8 %).
FAMILIES = [
    "Smith", "Smithson", "Smiley", "Smyth", "Smythe", "Johnson", "Williams", "Brown", "Jones",
    "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez",
    "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez",
    "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
    "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins",
]
GIVEN_FEMALE = [
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
    "Karen", "Lisa", "Nancy", "Betty", "Margaret", "Sandra", "Ashley", "Emily", "Donna", "Michelle",
    "Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Rebecca", "Laura", "Sharon", "Cynthia",
]
GIVEN_MALE = [
    "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas",
    "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul",
    "Andrew", "Joshua", "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Edward",
]
STREETS = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Washington Blvd",
           "Lake Rd", "Hillcrest Dr", "Park Ave", "Sunset Blvd", "River Rd"]
CITIES = [("Boston", "MA", "02115"), ("Worcester", "MA", "01608"), ("Springfield", "MA", "01103"),
          ("Cambridge", "MA", "02139"), ("Lowell", "MA", "01852"), ("Brockton", "MA", "02301"),
          ("Quincy", "MA", "02169"), ("Lynn", "MA", "01901"), ("New Bedford", "MA", "02740"),
          ("Framingham", "MA", "01701")]

ORGANIZATIONS = ["Massachusetts General Hospital", "Boston Medical Center",
                 "Baystate Medical Center", "UMass Memorial Medical Center",
                 "Lowell General Hospital"]
LOCATION_KINDS = ["Emergency Department", "Primary Care Clinic", "Cardiology Clinic",
                  "Internal Medicine Ward", "Pediatrics Clinic", "Radiology", "Urgent Care",
                  "Outpatient Surgery", "Oncology Clinic", "Endocrinology Clinic"]

# (LOINC code, display, category, UCUM unit, low, high, decimals)
OBSERVATION_CODES = [
    ("8867-4", "Heart rate", "vital-signs", "/min", 50, 120, 0),
    ("9279-1", "Respiratory rate", "vital-signs", "/min", 10, 25, 0),
    ("8310-5", "Body temperature", "vital-signs", "Cel", 35.5, 39.5, 1),
    ("29463-7", "Body weight", "vital-signs", "kg", 3, 150, 1),
    ("8302-2", "Body height", "vital-signs", "cm", 45, 200, 1),
    ("39156-5", "Body mass index (BMI) [Ratio]", "vital-signs", "kg/m2", 15, 40, 1),
    ("8480-6", "Systolic blood pressure", "vital-signs", "mm[Hg]", 90, 180, 0),
    ("8462-4", "Diastolic blood pressure", "vital-signs", "mm[Hg]", 55, 110, 0),
    ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "vital-signs", "%", 88, 100, 0),
    ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", "vital-signs", "{score}", 0, 10, 0),
    ("2339-0", "Glucose [Mass/volume] in Blood", "laboratory", "mg/dL", 60, 250, 0),
    ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "laboratory", "%", 4.0, 11.0, 1),
    ("718-7", "Hemoglobin [Mass/volume] in Blood", "laboratory", "g/dL", 9, 18, 1),
    ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "laboratory", "mg/dL", 0.5, 2.5, 2),
    ("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "laboratory", "mmol/L", 130, 150, 0),
    ("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "laboratory", "mmol/L", 3.2, 5.5, 1),
    ("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "laboratory", "mg/dL", 120, 300, 0),
    ("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", "laboratory", "mg/dL", 50, 200, 0),
    ("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "laboratory", "mg/dL", 25, 90, 0),
    ("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "laboratory", "mg/dL", 50, 400, 0),
    ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "laboratory", "10*3/uL", 3.5, 12, 1),
    ("777-3", "Platelets [#/volume] in Blood by Automated count", "laboratory", "10*3/uL", 140, 420, 0),
]

CONDITIONS = [
    ("44054006", "Diabetes mellitus type 2 (disorder)"),
    ("38341003", "Hypertensive disorder, systemic arterial (disorder)"),
    ("195967001", "Asthma (disorder)"),
    ("55822004", "Hyperlipidemia (disorder)"),
    ("162864005", "Body mass index 30+ - obesity (finding)"),
    ("444814009", "Viral sinusitis (disorder)"),
    ("10509002", "Acute bronchitis (disorder)"),
    ("195662009", "Acute viral pharyngitis (disorder)"),
    ("40055000", "Chronic sinusitis (disorder)"),
    ("271737000", "Anemia (disorder)"),
    ("53741008", "Coronary arteriosclerosis (disorder)"),
    ("49436004", "Atrial fibrillation (disorder)"),
    ("13645005", "Chronic obstructive lung disease (disorder)"),
    ("35489007", "Depressive disorder (disorder)"),
    ("197480006", "Anxiety disorder (disorder)"),
    ("431855005", "Chronic kidney disease stage 1 (disorder)"),
    ("239873007", "Osteoarthritis of knee (disorder)"),
    ("68496003", "Polyp of colon (disorder)"),
]
CHRONIC = {"44054006", "38341003", "195967001", "55822004", "53741008", "49436004", "13645005",
           "431855005", "239873007"}

MEDICATIONS = [
    ("860975", "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet"),
    ("314076", "lisinopril 10 MG Oral Tablet"),
    ("197361", "Amlodipine 5 MG Oral Tablet"),
    ("259255", "atorvastatin 80 MG Oral Tablet"),
    ("895994", "120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler"),
    ("313782", "Acetaminophen 325 MG Oral Tablet"),
    ("308136", "amoxicillin 500 MG Oral Capsule"),
    ("197591", "Diazepam 5 MG Oral Tablet"),
    ("310798", "Hydrochlorothiazide 25 MG Oral Tablet"),
    ("855332", "Warfarin Sodium 5 MG Oral Tablet"),
    ("1719286", "10 ML Furosemide 10 MG/ML Injection"),
    ("312961", "Simvastatin 20 MG Oral Tablet"),
    ("849574", "Naproxen sodium 220 MG Oral Tablet"),
    ("1049221", "Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet"),
    ("245314", "albuterol 5 MG/ML Inhalation Solution"),
]

DOCUMENT_TYPES = [
    ("34117-2", "History and physical note"),
    ("11506-3", "Progress note"),
    ("18842-5", "Discharge summary"),
    ("34111-5", "Emergency department note"),
    ("11488-4", "Consult note"),
]

# (v3-ActCode class, display, SNOMED encounter type, display, length in minutes (min, max))
ENCOUNTER_KINDS = [
    ("AMB", "ambulatory", "185349003", "Encounter for check up (procedure)", 15, 60),
    ("AMB", "ambulatory", "185345009", "Encounter for symptom (procedure)", 15, 45),
    ("AMB", "ambulatory", "390906007", "Follow-up encounter (procedure)", 15, 40),
    ("EMER", "emergency", "50849002", "Emergency room admission (procedure)", 60, 360),
    ("IMP", "inpatient", "32485007", "Hospital admission (procedure)", 1440, 7200),
]
ENCOUNTER_WEIGHTS = [40, 25, 20, 10, 5]

FIRST_DAY = dt.date(2010, 1, 1)
LAST_DAY = dt.date(2024, 12, 31)


def ts(t):
    """A FHIR dateTime/instant with seconds and the fixed offset."""
    return t.strftime("%Y-%m-%dT%H:%M:%S") + TZ


def codeable(system, code, display, text=None):
    return {"coding": [{"system": system, "code": code, "display": display}], "text": text or display}


def ref(type_, id_):
    return {"reference": f"{type_}/{id_}"}


def organization(k, rng):
    city, state, postal = CITIES[(k - 1) % len(CITIES)]
    return {
        "resourceType": "Organization", "id": f"org-{k}",
        "identifier": [{"system": "https://github.com/synthetichealth/synthea", "value": f"ORG-{k:04d}"}],
        "active": True,
        "type": [codeable("http://terminology.hl7.org/CodeSystem/organization-type", "prov",
                          "Healthcare Provider")],
        "name": ORGANIZATIONS[(k - 1) % len(ORGANIZATIONS)],
        "telecom": [{"system": "phone", "value": f"617-555-{rng.randrange(10000):04d}"}],
        "address": [{"line": [f"{rng.randrange(1, 999)} {rng.choice(STREETS)}"], "city": city,
                     "state": state, "postalCode": postal, "country": "US"}],
    }


def location(k, org_count, rng):
    org = (k - 1) % org_count + 1
    city, state, postal = CITIES[(org - 1) % len(CITIES)]
    kind = LOCATION_KINDS[(k - 1) % len(LOCATION_KINDS)]
    return {
        "resourceType": "Location", "id": f"loc-{k}",
        "status": "active",
        "name": f"{ORGANIZATIONS[(org - 1) % len(ORGANIZATIONS)]} - {kind} {(k - 1) // len(LOCATION_KINDS) + 1}",
        "mode": "instance",
        "telecom": [{"system": "phone", "value": f"617-555-{rng.randrange(10000):04d}"}],
        "address": {"line": [f"{rng.randrange(1, 999)} {rng.choice(STREETS)}"], "city": city,
                    "state": state, "postalCode": postal, "country": "US"},
        "physicalType": codeable("http://terminology.hl7.org/CodeSystem/location-physical-type", "bu",
                                 "Building"),
        "managingOrganization": ref("Organization", f"org-{org}"),
    }


def random_day(rng, start, end):
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def patient(n, rng):
    gender = rng.choice(["female", "male"])
    given = GIVEN_FEMALE if gender == "female" else GIVEN_MALE
    birth = random_day(rng, dt.date(1930, 1, 1), dt.date(2020, 12, 31))
    city, state, postal = rng.choice(CITIES)
    family = rng.choice(FAMILIES)
    first, middle = rng.sample(given, 2)
    res = {
        "resourceType": "Patient", "id": f"pat-{n}",
        "identifier": [
            {"use": "usual",
             "type": codeable("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical Record Number"),
             "system": MRN_SYSTEM, "value": f"MRN-{n}"},
            {"type": codeable("http://terminology.hl7.org/CodeSystem/v2-0203", "SS", "Social Security Number"),
             "system": "http://hl7.org/fhir/sid/us-ssn",
             "value": f"999-{rng.randrange(10, 100)}-{rng.randrange(1000, 10000)}"},
        ],
        "name": [{"use": "official", "family": family, "given": [first, middle],
                  "prefix": ["Mrs." if gender == "female" and birth.year < 1995 else
                             "Ms." if gender == "female" else "Mr."]}],
        "telecom": [{"system": "phone", "value": f"555-{rng.randrange(100, 1000)}-{rng.randrange(10000):04d}",
                     "use": "home"}],
        "gender": gender,
        "birthDate": birth.isoformat(),
        "address": [{"line": [f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}"], "city": city,
                     "state": state, "postalCode": postal, "country": "US"}],
        "maritalStatus": codeable("http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                                  *rng.choice([("M", "Married"), ("S", "Never Married"), ("D", "Divorced"),
                                               ("W", "Widowed")])),
        "communication": [{"language": codeable("urn:ietf:bcp:47", "en-US", "English (United States)")}],
    }
    return res, birth


def encounter(n, k, start, end, loc, org, kind):
    cls, cls_display, type_code, type_display, _, _ = kind
    return {
        "resourceType": "Encounter", "id": f"enc-{n}-{k}",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": cls,
                  "display": cls_display},
        "type": [codeable(SNOMED, type_code, type_display)],
        "subject": ref("Patient", f"pat-{n}"),
        "period": {"start": ts(start), "end": ts(end)},
        "location": [{"location": ref("Location", f"loc-{loc}")}],
        "serviceProvider": ref("Organization", f"org-{org}"),
    }


def observation(n, k, enc_id, when, spec, rng):
    code, display, category, unit, low, high, decimals = spec
    value = round(rng.uniform(low, high), decimals)
    if decimals == 0:
        value = int(value)
    cat_display = "Vital Signs" if category == "vital-signs" else "Laboratory"
    return {
        "resourceType": "Observation", "id": f"obs-{n}-{k}",
        "status": "final",
        "category": [codeable("http://terminology.hl7.org/CodeSystem/observation-category", category,
                              cat_display)],
        "code": codeable(LOINC, code, display),
        "subject": ref("Patient", f"pat-{n}"),
        "encounter": ref("Encounter", enc_id),
        "effectiveDateTime": ts(when),
        "issued": ts(when + dt.timedelta(minutes=rng.randrange(5, 240))),
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def condition(n, k, enc_id, onset, rng):
    code, display = rng.choice(CONDITIONS)
    res = {
        "resourceType": "Condition", "id": f"cond-{n}-{k}",
        "clinicalStatus": None,
        "verificationStatus": codeable("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                       "confirmed", "Confirmed"),
        "category": [codeable("http://terminology.hl7.org/CodeSystem/condition-category",
                              "encounter-diagnosis", "Encounter Diagnosis")],
        "code": codeable(SNOMED, code, display),
        "subject": ref("Patient", f"pat-{n}"),
        "encounter": ref("Encounter", enc_id),
        "onsetDateTime": ts(onset),
        "recordedDate": ts(onset + dt.timedelta(minutes=rng.randrange(5, 120))),
    }
    if code in CHRONIC:
        res["clinicalStatus"] = codeable("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                         "active", "Active")
    else:
        res["clinicalStatus"] = codeable("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                         "resolved", "Resolved")
        res["abatementDateTime"] = ts(onset + dt.timedelta(days=rng.randrange(5, 40)))
    return res


def medication_request(n, k, enc_id, authored, rng):
    code, display = rng.choice(MEDICATIONS)
    per_day = rng.choice([1, 2, 3])
    return {
        "resourceType": "MedicationRequest", "id": f"med-{n}-{k}",
        "status": rng.choice(["active", "completed", "completed", "stopped"]),
        "intent": "order",
        "category": [codeable("http://terminology.hl7.org/CodeSystem/medicationrequest-category",
                              "outpatient", "Outpatient")],
        "medicationCodeableConcept": codeable(RXNORM, code, display),
        "subject": ref("Patient", f"pat-{n}"),
        "encounter": ref("Encounter", enc_id),
        "authoredOn": ts(authored),
        "dosageInstruction": [{
            "sequence": 1,
            "text": f"Take 1 tablet by mouth {per_day} times a day",
            "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
            "asNeededBoolean": False,
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet", "system": UCUM, "code": "{tbl}"}}],
        }],
    }


def document_reference(n, k, enc_id, start, end, org, rng):
    code, display = rng.choice(DOCUMENT_TYPES)
    return {
        "resourceType": "DocumentReference", "id": f"doc-{n}-{k}",
        "status": "current",
        "type": codeable(LOINC, code, display),
        "category": [codeable("http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
                              "clinical-note", "Clinical Note")],
        "subject": ref("Patient", f"pat-{n}"),
        "date": ts(end + dt.timedelta(minutes=rng.randrange(5, 600))),
        "author": [ref("Organization", f"org-{org}")],
        "custodian": ref("Organization", f"org-{org}"),
        "content": [{
            "attachment": {"contentType": "text/plain",
                           "url": f"https://documents.hospital.example/notes/doc-{n}-{k}.txt",
                           "title": display, "creation": ts(end)},
            "format": {"system": "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode",
                       "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient", "display": "mimeType Sufficient"},
        }],
        "context": {"encounter": [ref("Encounter", enc_id)],
                    "period": {"start": ts(start), "end": ts(end)}},
    }


def path(resource_type, params):
    """A query path relative to the FHIR base, with '|' and the like percent-encoded."""
    return f"/{resource_type}?" + urllib.parse.urlencode(params, safe=":/")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--patients", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=200, help="query URLs per list (at most)")
    args = ap.parse_args()
    if args.patients < 1:
        ap.error("--patients must be >= 1")

    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out_dir, "queries"), exist_ok=True)
    types = ["Organization", "Location", "Patient", "Encounter", "Observation", "Condition",
             "MedicationRequest", "DocumentReference"]
    files = {t: open(os.path.join(args.out_dir, f"{t}.ndjson"), "w", encoding="utf-8") for t in types}
    counts = {t: 0 for t in types}

    def emit(res):
        files[res["resourceType"]].write(json.dumps(res, ensure_ascii=False, separators=(",", ":")) + "\n")
        counts[res["resourceType"]] += 1

    org_count, loc_count = 5, 50
    for k in range(1, org_count + 1):
        emit(organization(k, rng))
    for k in range(1, loc_count + 1):
        emit(location(k, org_count, rng))

    codes_of = {}         # patient n -> {LOINC code: how many Observations pat-n has}
    docs_after_2013 = []  # patients with a document whose period starts in 2013 or later
    docs_ending_2013 = {}  # patient n -> documents whose period ends in 2013 or later
    # Patients with a document whose period ends within a day of 2013-01-01: whether it
    # matches ge2013-01-01 depends on the time zone the server gives that date (the spec
    # leaves it open), so their queries are left out of the list.
    docs_near_2013 = set()
    birth_years = {}
    name_parts = {}       # patient n -> lower-cased family, given and prefix names
    encounters_at = [0] * (loc_count + 1)
    for n in range(1, args.patients + 1):
        pat, birth = patient(n, rng)
        emit(pat)
        birth_years[n] = birth.year
        name = pat["name"][0]
        name_parts[n] = [x.lower() for x in [name["family"]] + name["given"] + name["prefix"]]
        first = max(birth, FIRST_DAY)
        home_locs = rng.sample(range(1, loc_count + 1), 3)  # most care at a few places

        encs = []
        for k in range(1, rng.randint(10, 20) + 1):
            kind = rng.choices(ENCOUNTER_KINDS, ENCOUNTER_WEIGHTS)[0]
            day = random_day(rng, first, LAST_DAY)
            start = dt.datetime.combine(day, dt.time(rng.randrange(7, 20), rng.randrange(0, 60, 5)))
            end = start + dt.timedelta(minutes=rng.randrange(kind[4], kind[5] + 1))
            loc = rng.choice(home_locs) if rng.random() < 0.7 else rng.randrange(1, loc_count + 1)
            org = (loc - 1) % org_count + 1
            emit(encounter(n, k, start, end, loc, org, kind))
            encounters_at[loc] += 1
            encs.append((f"enc-{n}-{k}", start, end, org))

        # Observations are taken during encounters: a few vital-sign/lab codes per visit.
        codes = {}
        for k in range(1, rng.randint(52, 78) + 1):
            enc_id, start, end, _ = rng.choice(encs)
            spec = rng.choice(OBSERVATION_CODES)
            when = start + (end - start) * rng.random()
            emit(observation(n, k, enc_id, when.replace(microsecond=0), spec, rng))
            codes[spec[0]] = codes.get(spec[0], 0) + 1
        codes_of[n] = codes

        for k in range(1, rng.randint(3, 7) + 1):
            enc_id, start, _, _ = rng.choice(encs)
            emit(condition(n, k, enc_id, start, rng))
        for k in range(1, rng.randint(6, 14) + 1):
            enc_id, start, end, _ = rng.choice(encs)
            emit(medication_request(n, k, enc_id, end, rng))
        later = False
        docs_ending_2013[n] = 0
        for k in range(1, rng.randint(3, 7) + 1):
            enc_id, start, end, org = rng.choice(encs)
            emit(document_reference(n, k, enc_id, start, end, org, rng))
            later = later or start.date() >= dt.date(2013, 1, 2)
            docs_ending_2013[n] += end.date() >= dt.date(2013, 1, 1)
            if dt.date(2012, 12, 31) <= end.date() <= dt.date(2013, 1, 1):
                docs_near_2013.add(n)
        if later and n not in docs_near_2013:
            docs_after_2013.append(n)

    for f in files.values():
        f.close()

    # Query lists (deterministic; shuffled so that consecutive requests differ), each with the
    # number of resources the query matches in this data set (all pages).
    qrng = random.Random(args.seed + 1000)
    patients = list(range(1, args.patients + 1))
    queries, expected = {}, {}
    picks = qrng.sample(patients, min(args.queries, len(patients)))
    queries["obs_patient_code"], expected["obs_patient_code"] = [], []
    for n in picks:
        code = qrng.choice(sorted(codes_of[n]))
        queries["obs_patient_code"].append(
            path("Observation", [("patient", f"pat-{n}"), ("code", f"{LOINC}|{code}")]))
        expected["obs_patient_code"].append(codes_of[n][code])

    # Family-name prefixes and birth years that some patient matches (first: smi, ge1970).
    # name= matches the start of any part of a name (family, given, prefix), case-insensitively.
    def name_matches(p, year):
        return sum(1 for n in patients
                   if birth_years[n] >= year and any(x.startswith(p) for x in name_parts[n]))

    combos = []
    prefixes = sorted({f[:3].lower() for f in FAMILIES})
    for p in prefixes:
        for year in range(1950, 2001, 5):
            if name_matches(p, year):
                combos.append((p, year))
    qrng.shuffle(combos)
    if ("smi", 1970) in combos:
        combos.remove(("smi", 1970))
    combos.insert(0, ("smi", 1970))
    queries["patient_name"] = [path("Patient", [("name", p), ("birthdate", f"ge{y}")])
                               for p, y in combos[:args.queries]]
    expected["patient_name"] = [name_matches(p, y) for p, y in combos[:args.queries]]

    picks = qrng.sample(docs_after_2013, min(args.queries, len(docs_after_2013)))
    queries["docref_chain"] = [
        path("DocumentReference", [("subject.identifier", f"{MRN_SYSTEM}|MRN-{n}"), ("period", "ge2013-01-01")])
        for n in picks]
    expected["docref_chain"] = [docs_ending_2013[n] for n in picks]

    locs = [k for k in range(1, loc_count + 1) if encounters_at[k] >= 50]
    qrng.shuffle(locs)
    queries["encounter_location"] = [
        path("Encounter", [("location", f"Location/loc-{k}"), ("_include", "Encounter:subject"), ("_count", "50")])
        for k in locs]
    expected["encounter_location"] = [encounters_at[k] for k in locs]

    for name, lines in queries.items():
        if not lines:
            print(f"gen_dataset: no query for {name} has matches in this data set (too few patients?)",
                  file=sys.stderr)
            sys.exit(1)
        with open(os.path.join(args.out_dir, "queries", f"{name}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(args.out_dir, "queries", f"{name}.expected"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(x) for x in expected[name]) + "\n")

    total = sum(counts.values())
    summary = {"patients": args.patients, "seed": args.seed, "resources": total, "by_type": counts,
               "queries": {k: len(v) for k, v in queries.items()},
               "files": [f"{t}.ndjson" for t in types]}
    with open(os.path.join(args.out_dir, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
    print(f"wrote {total} resources to {args.out_dir}: " +
          ", ".join(f"{counts[t]} {t}" for t in types), file=sys.stderr)


if __name__ == "__main__":
    main()
