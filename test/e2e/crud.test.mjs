// End-to-end test of Kiln through a real, third-party FHIR client (fhir-kit-client).
// What this proves that the C++ tests cannot: the wire format, status codes, headers and
// paging links are what an ordinary FHIR client expects.
//
// Run: KILN_BASE_URL=http://127.0.0.1:8181/fhir node --test crud.test.mjs
// (test/e2e/run.sh starts a throwaway server and does this for you.)
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { Client } from 'fhir-kit-client';

const baseUrl = process.env.KILN_BASE_URL;
if (!baseUrl) {
  throw new Error('Set KILN_BASE_URL to the FHIR base, e.g. http://127.0.0.1:8181/fhir');
}

const client = new Client({ baseUrl });

// The HTTP status of a successful client call (the client hides the Response object).
function statusOf(result) {
  return Client.httpFor(result).response?.status;
}

// Runs `fn`, which must fail, and returns the client's error for inspection.
async function expectHttpError(fn) {
  try {
    await fn();
  } catch (err) {
    assert.ok(err.response, `expected an HTTP error, got: ${err}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

// A name unique to this run, so the test also works against a server that holds other data.
const runTag = `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

describe('Patient create / read / update / vread / history / delete', () => {
  let id;

  it('creates a Patient (201, Location, version 1)', async () => {
    const created = await client.create({
      resourceType: 'Patient',
      body: {
        resourceType: 'Patient',
        name: [{ family: 'Original', given: [runTag] }],
        gender: 'female',
        birthDate: '1980-02-29',
      },
    });
    assert.equal(statusOf(created), 201);
    assert.equal(created.resourceType, 'Patient');
    assert.ok(created.id, 'the server assigns an id');
    assert.equal(created.meta?.versionId, '1');
    const location = Client.httpFor(created).response.headers.get('location');
    assert.ok(location?.includes(`/Patient/${created.id}/_history/1`), `Location: ${location}`);
    id = created.id;
  });

  it('reads it back', async () => {
    const read = await client.read({ resourceType: 'Patient', id });
    assert.equal(statusOf(read), 200);
    assert.equal(read.id, id);
    assert.equal(read.name[0].family, 'Original');
    assert.equal(read.birthDate, '1980-02-29');
  });

  it('updates the name (version 2)', async () => {
    const current = await client.read({ resourceType: 'Patient', id });
    const updated = await client.update({
      resourceType: 'Patient',
      id,
      body: { ...current, name: [{ family: 'Renamed', given: [runTag] }] },
    });
    assert.equal(statusOf(updated), 200);
    assert.equal(updated.meta?.versionId, '2');
    assert.equal(updated.name[0].family, 'Renamed');
    const read = await client.read({ resourceType: 'Patient', id });
    assert.equal(read.name[0].family, 'Renamed');
  });

  it('vreads version 1 with the old name', async () => {
    const v1 = await client.vread({ resourceType: 'Patient', id, version: '1' });
    assert.equal(v1.id, id);
    assert.equal(v1.meta?.versionId, '1');
    assert.equal(v1.name[0].family, 'Original');
  });

  it('lists the instance history: 2 entries, newest first', async () => {
    const history = await client.history({ resourceType: 'Patient', id });
    assert.equal(history.resourceType, 'Bundle');
    assert.equal(history.type, 'history');
    assert.equal(history.entry?.length, 2);
    const versions = history.entry.map((e) => e.resource?.meta?.versionId);
    assert.deepEqual(versions, ['2', '1']);
    assert.equal(history.entry[0].resource.name[0].family, 'Renamed');
    assert.equal(history.entry[1].resource.name[0].family, 'Original');
  });

  it('deletes it; a read then gives 410 Gone with an OperationOutcome', async () => {
    await client.delete({ resourceType: 'Patient', id });
    const err = await expectHttpError(() => client.read({ resourceType: 'Patient', id }));
    assert.equal(err.response.status, 410);
    assert.equal(err.response.data?.resourceType, 'OperationOutcome');
    assert.ok(err.response.data.issue?.length > 0, 'the OperationOutcome has an issue');
  });
});

describe('search paging with _count through nextPage', () => {
  const total = 7;
  const pageSize = 3; // 7 matches in pages of 3 → 3 pages (3, 3, 1)
  const created = [];

  before(async () => {
    for (let i = 0; i < total; i++) {
      const obs = await client.create({
        resourceType: 'Observation',
        body: {
          resourceType: 'Observation',
          status: 'final',
          category: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
              ],
            },
          ],
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: runTag },
          effectiveDateTime: '2024-05-01T10:00:00Z',
          valueQuantity: { value: 60 + i, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
        },
      });
      assert.equal(statusOf(obs), 201);
      created.push(obs.id);
    }
  });

  it('pages through every match exactly once', async () => {
    // Searching by _id keeps the result set to this run's resources on a shared server.
    let bundle = await client.resourceSearch({
      resourceType: 'Observation',
      searchParams: { _id: created.join(','), _count: pageSize },
    });
    assert.equal(bundle.resourceType, 'Bundle');
    assert.equal(bundle.type, 'searchset');
    assert.equal(bundle.total, total);

    const seen = new Map();
    let pages = 0;
    while (bundle) {
      pages++;
      assert.ok(pages <= total, 'paging must end');
      const entries = bundle.entry ?? [];
      assert.ok(entries.length <= pageSize, `page ${pages} has ${entries.length} entries`);
      for (const e of entries) {
        assert.equal(e.resource.resourceType, 'Observation');
        seen.set(e.resource.id, (seen.get(e.resource.id) ?? 0) + 1);
      }
      // nextPage returns undefined when the bundle has no `next` link.
      bundle = await client.nextPage({ bundle });
    }

    assert.ok(pages >= 3, `expected at least 3 pages, got ${pages}`);
    assert.equal(seen.size, total);
    for (const oid of created) assert.equal(seen.get(oid), 1, `Observation/${oid} seen once`);
  });
});
