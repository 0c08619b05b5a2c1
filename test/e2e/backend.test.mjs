// End-to-end test of SMART Backend Services (hl7.org/fhir/smart-app-launch/backend-services.html)
// with client assertions built by a real, third-party JOSE library (jose): private_key_jwt signed
// ES384 and RS384 with keys jose made, and client_secret_jwt signed HS256, then the token on the
// FHIR API; Kiln's access tokens are checked in turn with jose against its published JWKS. What
// the C++ tests cannot show is that assertions made by an ordinary library are taken as they are.
//
// Run through test/e2e/run.sh path/to/kiln backend, which makes the keys (backend-keys.mjs),
// registers the clients with `kiln client create` and starts a server that requires tokens.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, describe, it, before } from 'node:test';
import {
  SignJWT, createRemoteJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify,
} from 'jose';

const baseUrl = process.env.KILN_BASE_URL;
const keysFile = process.env.KILN_E2E_PRIVATE_KEYS;
const hsSecret = process.env.KILN_E2E_HS_SECRET;
const jwksPort = Number(process.env.KILN_E2E_JWKS_PORT);
if (!baseUrl || !keysFile || !hsSecret || !jwksPort) throw new Error('Run through test/e2e/run.sh path/to/kiln backend');
const root = new URL(baseUrl).origin;
const privateJwks = JSON.parse(readFileSync(keysFile, 'utf8'));
const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let tokenEndpoint;
before(async () => {
  const res = await fetch(`${baseUrl}/.well-known/smart-configuration`);
  assert.equal(res.status, 200);
  const config = await res.json();
  tokenEndpoint = config.token_endpoint;
  assert.ok(config.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
  for (const alg of ['ES384', 'RS384']) {
    assert.ok(config.token_endpoint_auth_signing_alg_values_supported.includes(alg), alg);
  }
});

// A client assertion as SMART Backend Services has it: iss = sub = the client, aud the token
// endpoint, a short exp and a fresh jti.
function assertion(clientId, alg, kid, claims = {}) {
  const header = kid ? { alg, kid, typ: 'JWT' } : { alg, typ: 'JWT' };
  return new SignJWT({ jti: randomUUID(), ...claims })
    .setProtectedHeader(header)
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenEndpoint)
    .setIssuedAt()
    .setExpirationTime('4m');
}

async function tokenRequest(signedAssertion, scope) {
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: assertionType,
      client_assertion: signedAssertion,
    }),
  });
  return { status: res.status, body: await res.json() };
}

async function fhir(method, path, token, body) {
  const res = await fetch(`${baseUrl}/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/fhir+json',
      ...(body ? { 'content-type': 'application/fhir+json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

describe('private_key_jwt (SMART Backend Services, keys and assertions made by jose)', () => {
  for (const alg of ['ES384', 'RS384']) {
    it(`gets a token for an ${alg} assertion that works on the FHIR API`, async () => {
      const jwk = privateJwks[alg];
      const key = await importJWK(jwk, alg);
      const signed = await assertion('e2e-bulk', alg, jwk.kid).sign(key);
      assert.equal(decodeProtectedHeader(signed).alg, alg);
      const { status, body } = await tokenRequest(signed, 'system/Patient.cruds system/Observation.rs');
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.scope, 'system/Patient.cruds system/Observation.rs');
      assert.ok(body.expires_in > 0);

      const created = await fhir('POST', 'Patient', body.access_token,
                                 { resourceType: 'Patient', name: [{ family: `Backend-${alg}` }] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const read = await fhir('GET', `Patient/${created.body.id}`, body.access_token);
      assert.equal(read.status, 200);
      assert.equal(read.body.name[0].family, `Backend-${alg}`);
      const search = await fhir('GET', `Patient?family=Backend-${alg}`, body.access_token);
      assert.equal(search.status, 200);
      assert.equal(search.body.total, 1);
      // Granted what was asked, no more: Encounter is not in the token.
      assert.equal((await fhir('GET', 'Encounter', body.access_token)).status, 403);

      // Kiln's access token, checked by jose against the server's published keys.
      const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', root));
      const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, {
        issuer: root, audience: baseUrl, algorithms: ['ES256'],
      });
      assert.equal(protectedHeader.alg, 'ES256');
      assert.equal(payload.client_id, 'e2e-bulk');
      assert.equal(payload.sub, 'e2e-bulk');
      assert.equal(payload.scope, 'system/Patient.cruds system/Observation.rs');
    });
  }

  it('refuses a replayed assertion (its jti is used up)', async () => {
    const jwk = privateJwks.ES384;
    const signed = await assertion('e2e-bulk', 'ES384', jwk.kid).sign(await importJWK(jwk, 'ES384'));
    assert.equal((await tokenRequest(signed, 'system/Patient.rs')).status, 200);
    const again = await tokenRequest(signed, 'system/Patient.rs');
    assert.equal(again.status, 401);
    assert.equal(again.body.error, 'invalid_client');
  });

  it('refuses an assertion signed by a key that is not registered, under a registered kid', async () => {
    const { privateKey } = await generateKeyPair('ES384');
    const signed = await assertion('e2e-bulk', 'ES384', privateJwks.ES384.kid).sign(privateKey);
    const res = await tokenRequest(signed, 'system/Patient.rs');
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
  });

  it('refuses an assertion for another audience, and one that lives too long', async () => {
    const jwk = privateJwks.RS384;
    const key = await importJWK(jwk, 'RS384');
    const elsewhere = await assertion('e2e-bulk', 'RS384', jwk.kid).setAudience(`${root}/other/token`).sign(key);
    assert.equal((await tokenRequest(elsewhere, 'system/Patient.rs')).status, 401);
    const tooLong = await assertion('e2e-bulk', 'RS384', jwk.kid).setExpirationTime('1h').sign(key);
    assert.equal((await tokenRequest(tooLong, 'system/Patient.rs')).status, 401);
  });

  it('refuses asking for more than the registration allows', async () => {
    const jwk = privateJwks.ES384;
    const signed = await assertion('e2e-bulk', 'ES384', jwk.kid).sign(await importJWK(jwk, 'ES384'));
    const res = await tokenRequest(signed, 'system/Encounter.rs');
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_scope');
  });
});

describe('client_secret_jwt (an HS256 assertion made by jose)', () => {
  it('gets a token that works on the FHIR API', async () => {
    const signed = await assertion('e2e-hs', 'HS256').sign(new TextEncoder().encode(hsSecret));
    const { status, body } = await tokenRequest(signed, 'system/Patient.rs');
    assert.equal(status, 200, JSON.stringify(body));
    const search = await fhir('GET', 'Patient', body.access_token);
    assert.equal(search.status, 200);
    assert.equal(search.body.resourceType, 'Bundle');
  });

  it('is refused when signed with another secret', async () => {
    const signed = await assertion('e2e-hs', 'HS256').sign(new TextEncoder().encode('x'.repeat(40)));
    assert.equal((await tokenRequest(signed, 'system/Patient.rs')).status, 401);
  });
});

describe('private_key_jwt with the keys at the client\'s JWKS URL (served here, keys made by jose)', () => {
  let server;
  let published = { keys: [] };
  let fetches = 0;
  before(async () => {
    server = createServer((req, res) => {
      fetches += 1;
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
      res.end(JSON.stringify(published));
    });
    await new Promise((resolve) => server.listen(jwksPort, '127.0.0.1', resolve));
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('gets a token for an assertion signed with a published key, fetching the set once', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES384');
    published = { keys: [{ ...(await exportJWK(publicKey)), kid: 'url-es384', alg: 'ES384', use: 'sig' }] };
    for (let i = 0; i < 2; ++i) {
      const signed = await assertion('e2e-jwks-url', 'ES384', 'url-es384').sign(privateKey);
      const { status, body } = await tokenRequest(signed, 'system/Patient.rs');
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal((await fhir('GET', 'Patient', body.access_token)).status, 200);
    }
    assert.equal(fetches, 1);
  });

  it('refuses a key the set does not publish, under a published kid', async () => {
    const { privateKey } = await generateKeyPair('ES384');
    const signed = await assertion('e2e-jwks-url', 'ES384', 'url-es384').sign(privateKey);
    const res = await tokenRequest(signed, 'system/Patient.rs');
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
  });
});
