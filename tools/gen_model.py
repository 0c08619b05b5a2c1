#!/usr/bin/env python3
"""Generates data/r4/model.json, the FHIR R4 model table that src/core/model.cc loads.

Usage: python3 tools/gen_model.py /tmp/r4/package data/r4/model.json

Input is the unpacked npm package hl7.fhir.r4.examples@4.0.1, whose StructureDefinition-*.json
files carry full snapshots. We keep every base definition (derivation "specialization", plus the
roots Resource and Element) and drop profiles (derivation "constraint") and logical models, because
Kiln validates against the base spec only.

Output, one type per line so that diffs stay readable:
  {"source": "...", "generator": "...", "types": {NAME: {"kind": "primitive|complex|resource", "abstract": bool,
   "base": "Element", "elements": [[path, min, max (-1 for *), [type codes], contentReference]]}}}
The root element is left out. A primitive's own `value` element is left out too: the primitive's
type name is its format, which src/core/primitive.cc checks.
"""

import glob
import json
import os
import sys

SOURCE = "hl7.fhir.r4.examples@4.0.1 (FHIR 4.0.1) StructureDefinition snapshots"
FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
SYSTEM_PREFIX = "http://hl7.org/fhirpath/System."
# Used when an element lacks the fhir-type extension (only xhtml.id does in 4.0.1).
SYSTEM_TYPES = {"Boolean": "boolean", "Date": "date", "DateTime": "dateTime", "Decimal": "decimal",
                "Integer": "integer", "String": "string", "Time": "time"}
KINDS = {"primitive-type": "primitive", "complex-type": "complex", "resource": "resource"}


def is_base_definition(sd):
    if sd.get("resourceType") != "StructureDefinition" or sd.get("kind") not in KINDS:
        return False  # logical models (e.g. MetadataResource) describe no JSON of their own
    if sd.get("derivation") == "specialization":
        return True
    # Resource and Element are the roots: they have no base and hence no derivation.
    return "baseDefinition" not in sd and "derivation" not in sd


def type_code(element, t):
    code = t["code"]
    if not code.startswith(SYSTEM_PREFIX):
        return code
    # Elements such as Element.id and Extension.url are typed with FHIRPath system types; the
    # FHIR primitive they hold is named by the fhir-type extension.
    for ext in t.get("extension", []):
        if ext.get("url") == FHIR_TYPE_EXT:
            return ext["valueUrl"]
    system = code[len(SYSTEM_PREFIX):]
    if system not in SYSTEM_TYPES:
        raise SystemExit("%s: system type %s without a fhir-type extension" % (element["path"], code))
    return SYSTEM_TYPES[system]


def element_types(element):
    # The 4.0.1 snapshots record Resource.id as a "string", but resource.html and json.html
    # define a resource's logical id as the `id` type ([A-Za-z0-9\-\.]{1,64}), which we enforce.
    if element.get("base", {}).get("path") == "Resource.id":
        return ["id"]
    return [type_code(element, t) for t in element.get("type", [])]


def convert(sd):
    kind = KINDS[sd["kind"]]
    elements = []
    for e in sd["snapshot"]["element"]:
        path = e["path"]
        if "." not in path:
            continue  # the root element describes the type itself
        if kind == "primitive" and path == sd["type"] + ".value":
            continue
        maximum = -1 if e["max"] == "*" else int(e["max"])
        reference = e.get("contentReference", "")
        if reference.startswith("#"):
            reference = reference[1:]
        row = [path, int(e["min"]), maximum, element_types(e), reference]
        if e.get("isSummary"):
            row.append(1)  # part of the _summary=true view (hl7.org/fhir/R4/search.html#summary)
        elements.append(row)
    base = sd.get("baseDefinition", "")
    return {
        "kind": kind,
        "abstract": bool(sd.get("abstract", False)),
        "base": base.rsplit("/", 1)[-1] if base else "",
        "elements": elements,
    }


def check_references(types):
    # Every type code must name a type in the table, so that the loader can resolve it.
    for name, t in types.items():
        for path, _, _, codes, reference, *_ in t["elements"]:
            for code in codes:
                if code not in types:
                    raise SystemExit("%s: %s has unknown type %s" % (name, path, code))
            if reference and reference.split(".")[0] != name:
                raise SystemExit("%s: %s refers outside its type: %s" % (name, path, reference))


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: gen_model.py PACKAGE_DIR OUTPUT_JSON")
    package_dir, output = sys.argv[1], sys.argv[2]
    types = {}
    for path in sorted(glob.glob(os.path.join(package_dir, "StructureDefinition-*.json"))):
        with open(path, encoding="utf-8") as f:
            sd = json.load(f)
        if not is_base_definition(sd):
            continue
        if sd["type"] != sd["name"] or sd["type"] in types:
            raise SystemExit("%s: unexpected or duplicate base definition %s" % (path, sd["name"]))
        types[sd["type"]] = convert(sd)
    check_references(types)

    # JSON has no comments, so the table names its generator in a member (style guide, rule 5).
    lines = ['{"source": %s,' % json.dumps(SOURCE),
             '"generator": "tools/gen_model.py; regenerate rather than edit",', '"types": {']
    names = sorted(types)
    for i, name in enumerate(names):
        body = json.dumps(types[name], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        lines.append("%s:%s%s" % (json.dumps(name), body, "," if i + 1 < len(names) else ""))
    lines.append("}}")
    os.makedirs(os.path.dirname(output) or ".", exist_ok=True)
    with open(output, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("%s: %d types" % (output, len(types)))


if __name__ == "__main__":
    main()
