// The reference oracle: Digital Bazaar's JavaScript libraries (the ones the W3C
// test suites and most verifiers run), answering one JSON request per line on
// stdin with one JSON answer per line on stdout. Offline: the document loader
// serves only credentials/contexts/ and did:key documents computed locally.
//
// Requests ({"op": ...}):
//   rdfc   {doc}                      -> {nquads}   eddsa-rdfc-2022's own canonize()
//   jcs    {value}                    -> {text}     RFC 8785 (canonicalize, as eddsa-jcs-2022)
//   sign   {doc, suite, seed, created} -> {signed}  jsonld-signatures + DataIntegrityProof
//   verify {doc, suite}               -> {verified, error}
// Any failure answers {error: "message"}.
import {readFileSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfcSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {
  createSignCryptosuite, createVerifyCryptosuite
} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import canonicalize from 'canonicalize';
import jsigs from 'jsonld-signatures';

const here = dirname(fileURLToPath(import.meta.url));
const contextsDir = join(here, '..', '..', 'credentials', 'contexts');
const manifest = JSON.parse(readFileSync(join(contextsDir, 'manifest.json'), 'utf8'));
const contexts = new Map();
for(const [url, entry] of Object.entries(manifest)) {
  contexts.set(url, JSON.parse(readFileSync(join(contextsDir, entry.file), 'utf8')));
}

const {purposes: {AssertionProofPurpose}} = jsigs;

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
  };
}

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const [did, fragment] = url.split('#');
    const doc = await didKeyDocument(did);
    const document = fragment ? {
      ...doc.verificationMethod[0],
      '@context': 'https://w3id.org/security/multikey/v1',
    } : doc;
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`the oracle never fetches: ${url}`);
}

async function keyFromSeed(seedHex) {
  const seed = Uint8Array.from(Buffer.from(seedHex, 'hex'));
  const generated = await Ed25519Multikey.generate({seed});
  const fingerprint = generated.publicKeyMultibase;
  const did = `did:key:${fingerprint}`;
  return Ed25519Multikey.generate({seed, id: `${did}#${fingerprint}`, controller: did});
}

function suiteFor(name, {signer, date} = {}) {
  if(name === 'eddsa-rdfc-2022') {
    return new DataIntegrityProof({signer, date, cryptosuite: rdfcSuite});
  }
  if(name === 'eddsa-jcs-2022') {
    const cryptosuite = signer ? createSignCryptosuite() : createVerifyCryptosuite();
    return new DataIntegrityProof({signer, date, cryptosuite});
  }
  throw new Error(`unknown suite ${name}`);
}

const ops = {
  async rdfc({doc}) {
    return {nquads: await rdfcSuite.canonize(doc, {documentLoader})};
  },
  async jcs({value}) {
    return {text: canonicalize(value)};
  },
  async sign({doc, suite, seed, created}) {
    const key = await keyFromSeed(seed);
    const proofSuite = suiteFor(suite, {signer: key.signer(), date: created});
    const signed = await jsigs.sign(structuredClone(doc), {
      suite: proofSuite, purpose: new AssertionProofPurpose(), documentLoader,
    });
    return {signed};
  },
  async verify({doc, suite}) {
    const result = await jsigs.verify(structuredClone(doc), {
      suite: suiteFor(suite), purpose: new AssertionProofPurpose(), documentLoader,
    });
    const error = result.error?.errors?.[0]?.message ?? result.error?.message ?? null;
    return {verified: result.verified, error};
  },
};

const lines = createInterface({input: process.stdin, crlfDelay: Infinity});
for await (const line of lines) {
  if(!line.trim()) {
    continue;
  }
  let answer;
  try {
    const request = JSON.parse(line);
    answer = await ops[request.op](request);
  } catch(error) {
    answer = {error: String(error?.message ?? error)};
  }
  // JSON.stringify escapes lone surrogates, so the answer is always valid UTF-8.
  process.stdout.write(JSON.stringify(answer) + '\n');
}
