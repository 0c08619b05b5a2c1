#!/usr/bin/env python3
"""Generates data/r4/search-parameters.json: every R4 SearchParameter and the compartments.

Usage: python3 tools/gen_search_params.py /path/to/package data/r4/search-parameters.json

The input is the official R4 package (npm hl7.fhir.r4.examples@4.0.1, unpacked), whose
SearchParameter-*.json files are the core search parameters. A parameter defined on several
resource types carries one FHIRPath expression joining each type's path with '|'; the table
keeps, per base type, only the branches that start at that type, so that indexing a Patient
never evaluates the branches written for 30 other types.
"""
import glob
import json
import os
import sys


def split_union(expr):
    """Splits at top-level '|' (outside parentheses, brackets and string literals)."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(expr):
        if quote:
            if ch == quote and expr[i - 1] != '\\':
                quote = None
        elif ch in "'`\"":
            quote = ch
        elif ch in '([':
            depth += 1
        elif ch in ')]':
            depth -= 1
        elif ch == '|' and depth == 0:
            parts.append(expr[start:i].strip())
            start = i + 1
    parts.append(expr[start:].strip())
    return [p for p in parts if p]


def branch_root(part):
    """The type a branch starts at: 'Patient' for 'Patient.name' or '(Observation.value as X)'."""
    p = part.lstrip('(').strip()
    name = ''
    for ch in p:
        if ch.isalnum():
            name += ch
        else:
            break
    return name


def per_base(expr, bases):
    parts = split_union(expr)
    out = {}
    for base in bases:
        mine = [p for p in parts if branch_root(p) == base]
        # Parameters on Resource/DomainResource apply to every type through their own root.
        out[base] = ' | '.join(mine) if mine else expr
    return out


def compartments(package_dir):
    """CompartmentDefinition-*.json -> {compartment: {resource type: [reference params]}}."""
    out = {}
    for path in sorted(glob.glob(os.path.join(package_dir, 'CompartmentDefinition-*.json'))):
        with open(path, encoding='utf-8') as f:
            cd = json.load(f)
        if cd.get('url', '').startswith('http://hl7.org/fhir/CompartmentDefinition/') and cd.get('code'):
            if cd['id'] == 'example':
                continue
            out[cd['code']] = {r['code']: r['param'] for r in cd.get('resource', []) if r.get('param')}
    return out


def main(package_dir, out_path):
    params = []
    for path in sorted(glob.glob(os.path.join(package_dir, 'SearchParameter-*.json'))):
        with open(path, encoding='utf-8') as f:
            sp = json.load(f)
        if sp.get('resourceType') != 'SearchParameter':
            continue
        bases = sp.get('base', [])
        expr = sp.get('expression', '')
        entry = {
            'url': sp['url'],
            'code': sp['code'],
            'type': sp['type'],
            'base': bases,
            'expression': per_base(expr, bases) if expr else {},
        }
        if sp.get('target'):
            entry['target'] = sp['target']
        if sp.get('component'):
            entry['component'] = [{'definition': c['definition'], 'expression': c['expression']}
                                  for c in sp['component']]
        if sp.get('multipleOr') is not None:
            entry['multipleOr'] = sp['multipleOr']
        params.append(entry)
    params.sort(key=lambda p: p['url'])
    doc = {
        'source': 'hl7.fhir.r4.examples@4.0.1 (FHIR 4.0.1) SearchParameter resources',
        'generator': 'tools/gen_search_params.py',
        'parameters': params,
    }
    with open(out_path, 'w', encoding='utf-8') as f:
        f.write('{"source":' + json.dumps(doc['source'] + ' and CompartmentDefinitions') + ',"generator":' +
                json.dumps(doc['generator']) + ',\n"compartments":' +
                json.dumps(compartments(package_dir), separators=(',', ':'), sort_keys=True) +
                ',\n"parameters":[\n')
        f.write(',\n'.join(json.dumps(p, separators=(',', ':'), sort_keys=True) for p in params))
        f.write('\n]}\n')
    print(f'{len(params)} search parameters -> {out_path}')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
