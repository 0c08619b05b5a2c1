#!/usr/bin/env python3
"""Checks that the search benchmark's queries return what they should, so that a broken
query (an error, an empty result, an ignored parameter) cannot look fast.

  check_queries.py BASE_URL FILE.txt [--expected FILE.expected] [--page-size 50] [--expect-includes]
      GETs every URL path of FILE.txt (one per line, as gen_dataset.py writes them) under
      BASE_URL with `Prefer: handling=strict`, counts the searchset's entries by search.mode,
      prints a readable line and a machine-readable one:
        CHECK urls=N failed=N empty=N wrong=N matches_min=.. matches_median=.. matches_max=..
              includes_min=.. includes_max=.. next_links=N
      failed: non-200 answers or non-searchset bodies, or bodies with an OperationOutcome
      entry; empty: no match; wrong: a page with other than min(expected, page size)
      matches (page size: the URL's _count, else --page-size, the server's default), no next
      link when more are expected, or (with --expect-includes) no include entry. Exit status 0 whether or not they pass: the
      harness reads the counts.

  check_queries.py --count < BUNDLE.json
      Prints the entry counts of one searchset read from stdin (for `curl ... | ...`).

Standard library only.
"""

import argparse
import json
import statistics
import sys
import urllib.error
import urllib.parse
import urllib.request


def counts(bundle):
    """(matches, includes, outcomes, has_next) of a searchset Bundle."""
    modes = {"match": 0, "include": 0, "outcome": 0}
    for e in bundle.get("entry", []):
        mode = e.get("search", {}).get("mode", "match")
        modes[mode] = modes.get(mode, 0) + 1
    has_next = any(link.get("relation") == "next" for link in bundle.get("link", []))
    return modes["match"], modes["include"], modes["outcome"], has_next


def describe(bundle):
    if bundle.get("resourceType") != "Bundle":
        return f"not a Bundle: {json.dumps(bundle)[:300]}"
    m, i, o, n = counts(bundle)
    total = f", total {bundle['total']}" if "total" in bundle else ""
    return (f"{m} matches, {i} includes, {o} outcome entries{total}"
            f"{', more pages (next link)' if n else ''}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", nargs="?")
    ap.add_argument("file", nargs="?")
    ap.add_argument("--count", action="store_true", help="describe one Bundle read from stdin")
    ap.add_argument("--expected", help="one expected match count per URL, same order")
    ap.add_argument("--page-size", type=int, default=50, help="the server's default page size")
    ap.add_argument("--expect-includes", action="store_true")
    args = ap.parse_args()

    if args.count:
        text = sys.stdin.read()
        try:
            print(describe(json.loads(text)))
        except ValueError:
            print(f"not JSON: {text[:300]!r}")
        return
    if not args.base or not args.file:
        ap.error("BASE_URL and FILE.txt are needed (or --count)")

    paths = [line.strip() for line in open(args.file, encoding="utf-8") if line.strip()]
    expected = [None] * len(paths)
    if args.expected:
        expected = [int(line) for line in open(args.expected, encoding="utf-8") if line.strip()]
        if len(expected) != len(paths):
            sys.exit(f"{args.expected}: {len(expected)} counts for {len(paths)} URLs")
    matches, includes = [], []
    failed = empty = wrong = next_links = 0
    for path, want in zip(paths, expected):
        req = urllib.request.Request(args.base.rstrip("/") + path,
                                     headers={"Accept": "application/fhir+json",
                                              "Prefer": "handling=strict"})
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                bundle = json.load(res)
        except (urllib.error.URLError, ValueError, OSError) as e:
            failed += 1
            if failed <= 3:
                body = e.read().decode("utf-8", "replace")[:500] if isinstance(e, urllib.error.HTTPError) else ""
                print(f"  FAILED {path}: {e} {body}")
            continue
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "searchset":
            failed += 1
            print(f"  FAILED {path}: {describe(bundle)}")
            continue
        m, i, o, n = counts(bundle)
        if o:
            failed += 1
            print(f"  FAILED {path}: the answer has an OperationOutcome entry: {describe(bundle)}")
        matches.append(m)
        includes.append(i)
        next_links += n
        if m == 0:
            empty += 1
            if empty <= 3:
                print(f"  EMPTY {path}")
        page = args.page_size
        query = urllib.parse.parse_qs(path.partition("?")[2])
        if "_count" in query:
            page = int(query["_count"][0])
        bad = args.expect_includes and i == 0
        if want is not None:
            bad = bad or m != min(want, page) or n != (want > page)
        if bad:
            wrong += 1
            if wrong <= 3:
                print(f"  WRONG {path}: {describe(bundle)}; expected {want} matches in all")

    def stat(f, xs):
        return f(xs) if xs else 0

    print(f"  {len(paths)} URLs: {failed} failed, {empty} empty; matches per query "
          f"min {stat(min, matches)} / median {stat(statistics.median, matches):g} / max {stat(max, matches)}"
          f"; includes min {stat(min, includes)} / max {stat(max, includes)}; {next_links} with a next page")
    print(f"CHECK urls={len(paths)} failed={failed} empty={empty} wrong={wrong} "
          f"matches_min={stat(min, matches)} matches_median={stat(statistics.median, matches):g} "
          f"matches_max={stat(max, matches)} includes_min={stat(min, includes)} "
          f"includes_max={stat(max, includes)} next_links={next_links}")


if __name__ == "__main__":
    main()
