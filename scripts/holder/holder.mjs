// A wallet holder for the wallet-delivery tests, built from other implementations than
// the server: Digital Bazaar's vc / data-integrity / eddsa-rdfc-2022 libraries sign the
// DID Authentication presentation, panva's jose signs the OpenID4VCI proof JWT. Offline:
// the document loader serves only credentials/contexts/ and did:key / did:web documents
// handed in by the test; HTTP goes only to the server under test.
//
// One JSON request on stdin, one JSON answer on stdout ({"error": ...} on failure):
//   didauth {seed, challenge, domain, holder?}        -> {did, vp}
//   vcapi   {url, seed, hostMap?, challenge?, domain?} -> {did, vpr, status, body}
//           (POST {} to the exchange, sign the DIDAuthentication it asks for, POST it)
//   proof   {form, seed?, aud, nonce?, iat?, typ?}     -> {did, jwt}
//           form: "did:key" (EdDSA, kid), "did:jwk" (ES256, kid), "jwk" (ES256, jwk header)
//   oid4vci {offer, form, seed?, hostMap?}             -> {did, credential, steps}
//           (credential offer -> metadata -> token -> nonce -> proof -> credential)
//   verify  {vc, didDocuments}                        -> {verified, problem}
// hostMap rewrites URL prefixes before fetching (the server names its public base URL;
// the test serves it on loopback), as SafeFetcher.host_map does in the Python tests.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as jose from 'jose';

const here = dirname(fileURLToPath(import.meta.url));
const contextsDir = join(here, '..', '..', 'credentials', 'contexts');
const manifest = JSON.parse(readFileSync(join(contextsDir, 'manifest.json'), 'utf8'));
const contexts = new Map();
for(const [url, entry] of Object.entries(manifest)) {
  contexts.set(url, JSON.parse(readFileSync(join(contextsDir, entry.file), 'utf8')));
}
const PRE_AUTHORIZED = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

function withoutContext({'@context': _, ...rest}) {
  return rest;
}

async function didKeyDocument(did) {
  const fingerprint = did.slice('did:key:'.length);
  const key = await Ed25519Multikey.from({
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey',
    id: `${did}#${fingerprint}`,
    controller: did,
    publicKeyMultibase: fingerprint,
  });
  const method = await key.export({publicKey: true, includeContext: true});
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [withoutContext(method)],
    assertionMethod: [method.id],
    authentication: [method.id],
  };
}

function loaderWith(didDocuments = {}) {
  return async function documentLoader(url) {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    const [did, fragment] = url.split('#');
    let doc = didDocuments[did];
    if(!doc && did.startsWith('did:key:')) {
      doc = await didKeyDocument(did);
    }
    if(!doc) {
      throw new Error(`the holder never fetches: ${url}`);
    }
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: doc};
    }
    const method = (doc.verificationMethod || []).find(m => m.id === url ||
      m.id === `#${fragment}` || m.id === `${did}#${fragment}`);
    if(!method) {
      throw new Error(`no verification method ${url}`);
    }
    return {
      contextUrl: null, documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...method, id: url},
    };
  };
}

function seedBytes(seedHex) {
  const seed = seedHex ?? Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
  return Uint8Array.from(Buffer.from(seed, 'hex'));
}

async function ed25519Key(seedHex) {
  const seed = seedBytes(seedHex);
  const generated = await Ed25519Multikey.generate({seed});
  const fingerprint = generated.publicKeyMultibase;
  const did = `did:key:${fingerprint}`;
  const key = await Ed25519Multikey.generate({seed, id: `${did}#${fingerprint}`, controller: did});
  return {did, key};
}

function mapUrl(url, hostMap = {}) {
  for(const [from, to] of Object.entries(hostMap)) {
    if(url.startsWith(from)) {
      return to + url.slice(from.length);
    }
  }
  return url;
}

async function http(url, {hostMap, ...init} = {}) {
  const response = await fetch(mapUrl(url, hostMap), init);
  const text = await response.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return {status: response.status, body};
}

async function signDidAuth({seed, challenge, domain, holder}) {
  const {did, key} = await ed25519Key(seed);
  const presentation = vc.createPresentation({holder: holder ?? did, version: 2.0});
  const suite = new DataIntegrityProof({signer: key.signer(), cryptosuite: eddsaRdfc2022});
  const vp = await vc.signPresentation({
    presentation, suite, challenge, domain, documentLoader: loaderWith(),
  });
  return {did, vp};
}

async function proofJwt({form, seed, aud, nonce, iat, typ}) {
  let did;
  let privateKey;
  let header;
  if(form === 'did:key') {
    const {did: keyDid, key} = await ed25519Key(seed);
    const publicJwk = await Ed25519Multikey.toJwk({keyPair: key});
    // RFC 8037's "d" is the 32-byte seed (the library's secret key is seed + public key).
    const d = jose.base64url.encode(key.secretKey.slice(0, 32));
    privateKey = await jose.importJWK({...publicJwk, d}, 'EdDSA');
    did = keyDid;
    header = {alg: 'EdDSA', kid: key.id};
  } else {
    const pair = await jose.generateKeyPair('ES256', {extractable: true});
    const jwk = await jose.exportJWK(pair.publicKey);
    privateKey = pair.privateKey;
    if(form === 'did:jwk') {
      did = `did:jwk:${jose.base64url.encode(JSON.stringify(jwk))}`;
      header = {alg: 'ES256', kid: `${did}#0`};
    } else {
      header = {alg: 'ES256', jwk};
      did = null; // the server names it (did:jwk of the key)
    }
  }
  const claims = {};
  if(nonce !== undefined && nonce !== null) {
    claims.nonce = nonce;
  }
  const jwt = await new jose.SignJWT(claims)
    .setProtectedHeader({typ: typ ?? 'openid4vci-proof+jwt', ...header})
    .setAudience(aud)
    .setIssuedAt(iat ?? Math.floor(Date.now() / 1000))
    .sign(privateKey);
  return {did, jwt};
}

const ops = {
  async didauth(request) {
    return signDidAuth(request);
  },

  async vcapi({url, seed, hostMap, challenge, domain}) {
    const start = await http(url, {
      hostMap, method: 'POST', headers: {'content-type': 'application/json'}, body: '{}',
    });
    if(start.status !== 200) {
      return {vpr: start.body, status: start.status, body: start.body};
    }
    const vpr = start.body.verifiablePresentationRequest;
    if(!vpr.query.some(q => q.type === 'DIDAuthentication')) {
      throw new Error('the exchange did not ask for DID Authentication');
    }
    const {did, vp} = await signDidAuth({
      seed, challenge: challenge ?? vpr.challenge, domain: domain ?? vpr.domain,
    });
    const service = vpr.interact?.service?.[0]?.serviceEndpoint ?? url;
    const answer = await http(service, {
      hostMap, method: 'POST', headers: {'content-type': 'application/json'},
      body: JSON.stringify({verifiablePresentation: vp}),
    });
    return {did, vpr, vp, status: answer.status, body: answer.body};
  },

  async proof(request) {
    return proofJwt(request);
  },

  async oid4vci({offer, form, seed, hostMap}) {
    const steps = [];
    const params = new URL(offer).searchParams;
    let credentialOffer;
    if(params.has('credential_offer_uri')) {
      const got = await http(params.get('credential_offer_uri'), {hostMap});
      steps.push({step: 'offer', status: got.status});
      if(got.status !== 200) {
        return {steps, body: got.body};
      }
      credentialOffer = got.body;
    } else {
      credentialOffer = JSON.parse(params.get('credential_offer'));
    }
    const issuer = credentialOffer.credential_issuer;
    const metadata = (await http(`${issuer}/.well-known/openid-credential-issuer`, {hostMap})).body;
    const configurationId = credentialOffer.credential_configuration_ids[0];
    if(metadata.credential_configurations_supported[configurationId].format !== 'ldp_vc') {
      throw new Error('the offered configuration is not ldp_vc');
    }
    const authServer = metadata.authorization_servers?.[0] ?? issuer;
    const asMetadata = (await http(`${authServer}/.well-known/oauth-authorization-server`,
      {hostMap})).body;
    const code = credentialOffer.grants[PRE_AUTHORIZED]['pre-authorized_code'];
    const token = await http(asMetadata.token_endpoint, {
      hostMap, method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams({grant_type: PRE_AUTHORIZED, 'pre-authorized_code': code}),
    });
    steps.push({step: 'token', status: token.status});
    if(token.status !== 200) {
      return {steps, body: token.body};
    }
    const nonce = await http(metadata.nonce_endpoint, {hostMap, method: 'POST'});
    steps.push({step: 'nonce', status: nonce.status});
    const {did, jwt} = await proofJwt({form, seed, aud: issuer, nonce: nonce.body.c_nonce});
    const credential = await http(metadata.credential_endpoint, {
      hostMap, method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `${token.body.token_type} ${token.body.access_token}`,
      },
      body: JSON.stringify({
        credential_configuration_id: configurationId, proofs: {jwt: [jwt]},
      }),
    });
    steps.push({step: 'credential', status: credential.status});
    return {
      did, steps, code, accessToken: token.body.access_token, nonce: nonce.body.c_nonce, jwt,
      body: credential.body, credential: credential.body?.credentials?.[0]?.credential,
    };
  },

  async verify({vc: credential, didDocuments}) {
    const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
    const result = await vc.verifyCredential({
      credential, suite, documentLoader: loaderWith(didDocuments),
      // Status lists are the server's own (checked by its verifier): not fetched here.
      checkStatus: async () => ({verified: true}),
    });
    const error = result.error?.errors?.[0]?.message ?? result.error?.message ?? null;
    return {verified: result.verified, problem: error};
  },
};

let input = '';
for await (const chunk of process.stdin) {
  input += chunk;
}
try {
  const request = JSON.parse(input);
  const op = ops[request.op];
  if(!op) {
    throw new Error(`unknown op ${request.op}`);
  }
  process.stdout.write(JSON.stringify(await op(request)) + '\n');
} catch(error) {
  process.stdout.write(JSON.stringify({error: error.stack ?? String(error)}) + '\n');
}
