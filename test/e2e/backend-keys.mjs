// Makes the keys of the SMART Backend Services client of backend.test.mjs with jose, as a
// backend service would before it registers: an ES384 and an RS384 key pair. Writes the public
// JWKS (for `kiln client create --jwks`) and the private JWKs (for the test) into DIR.
//
// Usage: node backend-keys.mjs DIR
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node backend-keys.mjs DIR');

const publicKeys = [];
const privateKeys = {};
for (const [alg, options] of [['ES384', {}], ['RS384', { modulusLength: 2048 }]]) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { ...options, extractable: true });
  const kid = `e2e-${alg.toLowerCase()}`;
  publicKeys.push({ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' });
  privateKeys[alg] = { ...(await exportJWK(privateKey)), kid, alg };
}
writeFileSync(join(dir, 'backend-jwks.json'), JSON.stringify({ keys: publicKeys }));
writeFileSync(join(dir, 'backend-private-keys.json'), JSON.stringify(privateKeys), { mode: 0o600 });
