// The organizer's REST API (docs/api.md), typed from docs/openapi.yaml through
// src/protocol/rest.gen.ts. Errors are RFC 9457 problem details: a RestError carries
// the status and the server's detail, which the console shows as it is.
import type {
  Conference, ConferenceFields, GetConferencesByNameInvitationsResponse,
  GetConferencesByNameRegistrationsResponse, GetConferencesResponse, Invitation, NewConference,
  PostConferencesByNameInvitationsRequest, PostConferencesByNameRegistrationsRequest,
  PostConferencesByNameRegistrationsResponse, PostLoginRequest, PostLoginResponse, Problem,
} from '../protocol/rest.gen';

export class RestError extends Error {
  constructor(readonly status: number, readonly detail: string) {
    super(detail);
  }
}

type Fetch = typeof fetch;

export class RestClient {
  constructor(private token_: string | null, private readonly fetch_: Fetch = (...a) => fetch(...a),
    private readonly base_ = '') {}

  get token(): string | null { return this.token_; }

  async login(body: PostLoginRequest): Promise<PostLoginResponse> {
    const answer = await this.call<PostLoginResponse>('POST', '/api/v1/login', body);
    this.token_ = answer.token;
    return answer;
  }

  async logout(): Promise<void> {
    try { await this.call('POST', '/api/v1/logout'); } finally { this.token_ = null; }
  }

  list(): Promise<GetConferencesResponse> {
    return this.call('GET', '/api/v1/conferences?limit=100');
  }

  get(name: string): Promise<Conference> {
    return this.call('GET', `/api/v1/conferences/${encodeURIComponent(name)}`);
  }

  create(conference: NewConference): Promise<Conference> {
    return this.call('POST', '/api/v1/conferences', conference);
  }

  // RFC 7396 merge patch guarded by the version the editor started from (If-Match).
  update(name: string, version: number, fields: ConferenceFields): Promise<Conference> {
    return this.call('PATCH', `/api/v1/conferences/${encodeURIComponent(name)}`, fields, {
      'If-Match': `"${version}"`, 'Content-Type': 'application/merge-patch+json',
    });
  }

  invitations(name: string): Promise<GetConferencesByNameInvitationsResponse> {
    return this.call('GET', `/api/v1/conferences/${encodeURIComponent(name)}/invitations`);
  }

  invite(name: string, body: PostConferencesByNameInvitationsRequest): Promise<Invitation> {
    return this.call('POST', `/api/v1/conferences/${encodeURIComponent(name)}/invitations`, body);
  }

  revoke(name: string, id: string): Promise<void> {
    return this.call('DELETE', `/api/v1/conferences/${encodeURIComponent(name)}/invitations/${encodeURIComponent(id)}`);
  }

  registrations(name: string): Promise<GetConferencesByNameRegistrationsResponse> {
    return this.call('GET', `/api/v1/conferences/${encodeURIComponent(name)}/registrations`);
  }

  register(name: string, body: PostConferencesByNameRegistrationsRequest): Promise<PostConferencesByNameRegistrationsResponse> {
    return this.call('POST', `/api/v1/conferences/${encodeURIComponent(name)}/registrations`, body);
  }

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const h: Record<string, string> = { Accept: 'application/json, application/problem+json', ...headers };
    if (body !== undefined && !h['Content-Type']) h['Content-Type'] = 'application/json';
    if (this.token_) h.Authorization = `Bearer ${this.token_}`;
    const response = await this.fetch_(`${this.base_}${path}`, {
      method, headers: h, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
    if (!response.ok) {
      const problem = parsed as Partial<Problem> | null;
      throw new RestError(response.status, problem?.detail ?? problem?.title ?? `HTTP ${response.status}`);
    }
    return parsed as T;
  }
}

// The person-facing join link for an access token: the app at /app/ on this server.
export function join_link(token: string, origin: string): string {
  return `${origin}/app/?token=${encodeURIComponent(token)}`;
}

// <input type="datetime-local"> value (local time, no zone) ↔ RFC 3339 in UTC.
export function local_input_to_rfc3339(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function rfc3339_to_local_input(value: string | undefined): string {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => n.toString().padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
