// The REST API the app uses answers what docs/openapi.yaml says: against the real
// server, an organizer's session walks every operation the app calls (and the errors it
// shows) and each response body is validated against the schema documented for its
// path, method and status (JSON Schema via ajv; OpenAPI-only keywords are ignored).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { conference_name, mint_token, server_url } from './lib/harness.mjs';

// The app's own dependencies (installed by its npm ci) carry the YAML parser and ajv.
const app_require = createRequire(fileURLToPath(new URL('../../web/app/package.json', import.meta.url)));
const yaml = app_require('js-yaml');
const Ajv = app_require('ajv');

const kSpec = yaml.load(readFileSync(fileURLToPath(new URL('../../docs/openapi.yaml', import.meta.url)), 'utf8'));
const kPassword = 'openapi-check-password-1';
const ajv = new Ajv({ allErrors: true, unknownFormats: 'ignore', schemaId: 'auto' });
ajv.addSchema({ components: kSpec.components }, 'openapi.json');

// "#/components/..." inside the spec → "openapi.json#/components/...".
function rebase(schema) {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'examples' || key === 'example') continue;
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `openapi.json${value}` : rebase(value);
  }
  return out;
}
function resolve(node) {
  let n = node;
  while (n && n.$ref) n = n.$ref.slice(2).split('/').reduce((o, k) => o[k.replace(/~1/g, '/')], kSpec);
  return n;
}
function template(path) {
  const parts = path.split('?')[0].split('/');
  if (parts[3] === 'conferences' && parts.length > 4) parts[4] = '{name}';
  if (parts.length > 6 && ['invitations', 'participants'].includes(parts[5])) parts[6] = '{id}';
  return parts.join('/');
}

const checked = [];
async function call(method, path, { body, token, headers = {} } = {}) {
  const response = await fetch(`${server_url()}${path}`, {
    method,
    headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const operation = kSpec.paths[template(path)]?.[method.toLowerCase()];
  assert.ok(operation, `${method} ${template(path)} is not in docs/openapi.yaml`);
  const documented = resolve(operation.responses[String(response.status)]);
  assert.ok(documented, `${method} ${template(path)} answered ${response.status}, not documented: ${text}`);
  const media = documented.content && Object.entries(documented.content)[0];
  if (media) {
    const [type, { schema }] = media;
    assert.equal(response.headers.get('content-type')?.split(';')[0], type, `${method} ${path}`);
    const validate = ajv.compile(rebase(schema));
    const json = JSON.parse(text);
    assert.ok(validate(json), `${method} ${path} ${response.status}: ${ajv.errorsText(validate.errors)}\n${text}`);
  }
  checked.push(`${method} ${template(path)} ${response.status}`);
  return { status: response.status, json: text ? JSON.parse(text) : null, headers: response.headers };
}

describe('REST responses match docs/openapi.yaml', () => {
  it('every answer the organizer console and the register page get', async () => {
    const email = `openapi-${Date.now()}@example.org`;
    execFileSync(process.env.PODIUM_BIN, ['admin', 'create-organizer', '--email', email,
      '--password-stdin', '--data-dir', process.env.PODIUM_DATA_DIR],
    { input: `${kPassword}\n`, encoding: 'utf8', timeout: 20000 });
    const name = conference_name('openapi');
    const c = `/api/v1/conferences/${name}`;

    await call('POST', '/api/v1/login', { body: { email, password: 'wrong' } });
    const token = (await call('POST', '/api/v1/login', { body: { email, password: kPassword } })).json.token;
    await call('GET', '/api/v1/conferences', { token: 'not-a-session' });
    const created = await call('POST', '/api/v1/conferences', { token, body: {
      name, title: 'Checked against the spec', languages: ['en', 'ru'], settings: { registration: 'open', lobby: true },
      agenda: [{ title: 'Opening', speakers: ['Dr. Berg'], planned_ms: 300000 }] } });
    assert.equal(created.status, 201);
    await call('POST', '/api/v1/conferences', { token, body: { name } });  // 422
    await call('GET', '/api/v1/conferences?limit=1', { token });
    await call('GET', '/api/v1/conferences?limit=0', { token });  // 400
    const got = await call('GET', c, { token });
    await call('PATCH', c, { token, body: { title: 'Edited' }, headers: { 'If-Match': got.headers.get('etag') } });
    await call('PATCH', c, { token, body: { title: 'Stale' }, headers: { 'If-Match': '"1"' } });  // 412
    await call('PATCH', c, { token, body: { title: 'No precondition' } });  // 428
    await call('POST', `${c}/invitations`, { token, body: { name: 'Chair', role: 'moderator', organization: 'Parliament' } });
    await call('GET', `${c}/invitations`, { token });
    await call('POST', `${c}/registrations`, { body: { name: 'Visitor', email: `v-${name}@example.org` } });
    await call('POST', `${c}/registrations`, { body: { name: 'Visitor', email: `v-${name}@example.org` } });  // 409
    await call('GET', `${c}/registrations?limit=1`, { token });
    await call('GET', `${c}/participants`, { token });
    await call('GET', `${c}/export`, { token });
    await call('GET', `${c}/timeline`, { token });
    await call('GET', `${c}/timeline`, { token: mint_token(name, 'Reporter', 'press') });
    await call('PATCH', `${c}/participants/p1`, { token, body: { role: 'speaker' } });  // 404: nobody yet
    await call('DELETE', `${c}/invitations/none`, { token });  // 404
    await call('DELETE', c, { token });
    await call('GET', c, { token });  // 404
    assert.equal(checked.length, 24, checked.join('\n'));
  });
});
