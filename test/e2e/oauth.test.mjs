// End-to-end test of Kiln's authorization server through a real, third-party OAuth client
// (openid-client), with fhir-kit-client using the tokens it gets: what the C++ tests cannot
// show is that an ordinary client library takes Kiln's discovery document, authorization
// responses and token responses as they are.
//
// Run through test/e2e/run.sh path/to/kiln oauth, which registers the clients and the user
// (KILN_E2E_* below) with `kiln client` and `kiln user` and starts a server that requires tokens.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import * as oidc from 'openid-client';
import { Client } from 'fhir-kit-client';

const baseUrl = process.env.KILN_BASE_URL;
const secret = process.env.KILN_E2E_SECRET;
const password = process.env.KILN_E2E_PASSWORD;
const redirectUri = process.env.KILN_E2E_REDIRECT;
if (!baseUrl || !secret || !password || !redirectUri) {
  throw new Error('Run through test/e2e/run.sh path/to/kiln oauth');
}
const root = new URL(baseUrl).origin;
const smartConfiguration = new URL(`${baseUrl}/.well-known/smart-configuration`);
const insecure = { execute: [oidc.allowInsecureRequests] }; // the test server speaks plain HTTP

// Signs in at the login page the way a person's browser does: loads it (keeping its cookie),
// posts the form, and returns where Kiln sends the browser back to.
async function signIn(authorizationUrl, fields) {
  const page = await fetch(authorizationUrl);
  assert.equal(page.status, 200, await page.clone().text());
  const html = await page.text();
  const request = html.match(/name="request" value="([^"]+)"/)?.[1];
  assert.ok(request, 'the page holds the login form');
  const cookie = page.headers.get('set-cookie').split(';')[0];
  const answer = await fetch(new URL('/auth/authorize', root), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ request, decision: 'approve', ...fields }),
    redirect: 'manual',
  });
  assert.equal(answer.status, 303, await answer.text());
  return new URL(answer.headers.get('location'));
}

describe('client_credentials (SMART Backend Services with a secret)', () => {
  it('gets a token that works on the FHIR API', async () => {
    const config = await oidc.discovery(
      smartConfiguration, 'e2e-backend', undefined, oidc.ClientSecretBasic(secret), insecure);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'system/Patient.rs' });
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.scope, 'system/Patient.rs');
    const fhir = new Client({ baseUrl, bearerToken: tokens.access_token });
    const bundle = await fhir.search({ resourceType: 'Patient' });
    assert.equal(bundle.resourceType, 'Bundle');
  });

  it('is refused with a wrong secret', async () => {
    const config = await oidc.discovery(
      smartConfiguration, 'e2e-backend', undefined, oidc.ClientSecretBasic('x'.repeat(40)), insecure);
    // 401 with a Basic challenge (RFC 6749 section 5.2), which openid-client reports as such.
    await assert.rejects(oidc.clientCredentialsGrant(config, { scope: 'system/Patient.rs' }),
                         (err) => err.status === 401 && err.cause?.[0]?.scheme === 'basic');
  });
});

describe('authorization_code with PKCE (SMART standalone launch, public client)', () => {
  let patientId;
  let otherId;
  let config;

  before(async () => {
    const backend = await oidc.discovery(
      smartConfiguration, 'e2e-backend', undefined, oidc.ClientSecretBasic(secret), insecure);
    const tokens = await oidc.clientCredentialsGrant(backend, { scope: 'system/*.cruds' });
    const fhir = new Client({ baseUrl, bearerToken: tokens.access_token });
    patientId = (await fhir.create({ resourceType: 'Patient', body: { resourceType: 'Patient', gender: 'female' } })).id;
    otherId = (await fhir.create({ resourceType: 'Patient', body: { resourceType: 'Patient', gender: 'male' } })).id;
    config = await oidc.discovery(smartConfiguration, 'e2e-app', undefined, oidc.None(), insecure);
  });

  async function launch(scope) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      aud: baseUrl,
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    assert.equal(url.origin + url.pathname, `${root}/auth/authorize`);
    const callback = await signIn(url, { user: 'e2e-user', password, patient: patientId });
    return { callback, verifier, state };
  }

  it('signs in, gets a patient-context token and reads only that patient', async () => {
    const { callback, verifier, state } = await launch('launch/patient patient/*.rs offline_access');
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.patient, patientId);
    assert.equal(tokens.scope, 'launch/patient patient/*.rs offline_access');
    assert.ok(tokens.refresh_token);
    const fhir = new Client({ baseUrl, bearerToken: tokens.access_token });
    assert.equal((await fhir.read({ resourceType: 'Patient', id: patientId })).id, patientId);
    await assert.rejects(fhir.read({ resourceType: 'Patient', id: otherId }),
                         (err) => err.response?.status === 403);
    // The code was for one use.
    await assert.rejects(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }),
                         (err) => err.error === 'invalid_grant');
  });

  it('refreshes with rotation, and a replayed refresh token is refused', async () => {
    const { callback, verifier, state } = await launch('launch/patient patient/*.rs offline_access');
    const first = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const second = await oidc.refreshTokenGrant(config, first.refresh_token);
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.equal(second.patient, patientId);
    await assert.rejects(oidc.refreshTokenGrant(config, first.refresh_token), (err) => err.error === 'invalid_grant');
  });

  it('refuses a code exchanged with the wrong verifier', async () => {
    const { callback, state } = await launch('user/*.rs');
    await assert.rejects(
      oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state }),
      (err) => err.error === 'invalid_grant');
  });

  it('a reader asking to write gets read and search only', async () => {
    const { callback, verifier, state } = await launch('user/*.cruds');
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.scope, 'user/*.rs');
    const fhir = new Client({ baseUrl, bearerToken: tokens.access_token });
    await assert.rejects(fhir.create({ resourceType: 'Patient', body: { resourceType: 'Patient' } }),
                         (err) => err.response?.status === 403);
  });
});
