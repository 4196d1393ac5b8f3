import { describe, expect, it } from 'vitest';
import {
  RestClient, RestError, join_link, local_input_to_rfc3339, rfc3339_to_local_input,
} from '../src/api/rest_client';

// A recorder standing in for the network: what the client sends, and a canned answer.
function recorder(status: number, body: unknown, content_type = 'application/json') {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch_ = (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return Promise.resolve(new Response(status === 204 ? null : JSON.stringify(body),
      { status, headers: { 'Content-Type': content_type } }));
  };
  return { calls, fetch_: fetch_ as typeof fetch };
}

describe('RestClient', () => {
  it('logs in and sends the session token from then on', async () => {
    const r = recorder(200, { token: 'T0k', expires_at: '2025-05-01T21:00:00Z' });
    const client = new RestClient(null, r.fetch_);
    await client.login({ email: 'a@b.c', password: 'x'.repeat(12) });
    expect(client.token).toBe('T0k');
    await client.list();
    const headers = r.calls[1]?.init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer T0k');
    expect(r.calls[1]?.url).toBe('/api/v1/conferences?limit=100');
  });

  it('patches with If-Match and a merge-patch body', async () => {
    const r = recorder(200, { name: 'x', version: 4 });
    await new RestClient('s', r.fetch_).update('x y', 3, { title: 'New' });
    const call = r.calls[0];
    const headers = call?.init.headers as Record<string, string>;
    expect(call?.url).toBe('/api/v1/conferences/x%20y');
    expect(call?.init.method).toBe('PATCH');
    expect(headers['If-Match']).toBe('"3"');
    expect(headers['Content-Type']).toBe('application/merge-patch+json');
    expect(JSON.parse(String(call?.init.body))).toEqual({ title: 'New' });
  });

  it('turns problem details into a RestError with the detail', async () => {
    const r = recorder(412, { type: 'about:blank', title: 'Precondition Failed', status: 412,
      detail: 'the conference is at version 3, not 2' }, 'application/problem+json');
    const error = await new RestClient('s', r.fetch_).update('x', 2, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).status).toBe(412);
    expect((error as RestError).detail).toBe('the conference is at version 3, not 2');
  });
});

describe('links and times', () => {
  it('join links open the app', () => {
    expect(join_link('a.b.c', 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/app/?token=a.b.c');
  });
  it('datetime-local values round-trip through RFC 3339', () => {
    const rfc = local_input_to_rfc3339('2025-05-01T09:30');
    expect(rfc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
    expect(rfc3339_to_local_input(rfc)).toBe('2025-05-01T09:30');
    expect(local_input_to_rfc3339('')).toBeUndefined();
    expect(rfc3339_to_local_input('nonsense')).toBe('');
  });
});
