// The stored timeline of a conference, page by page from the newest back to its start:
// GET /api/v1/conferences/{name}/timeline?before=&limit= with the join token (press,
// moderators, organizers). Late joiners see what happened before they came.

export interface TimelinePage {
  events: unknown[];
  next_before: number | null;
}

export async function load_timeline_page(conference: string, token: string, before: number | null,
  limit = 100, fetch_: typeof fetch = fetch): Promise<TimelinePage> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before !== null) query.set('before', String(before));
  const response = await fetch_(`/api/v1/conferences/${encodeURIComponent(conference)}/timeline?${query}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`timeline: HTTP ${response.status}`);
  const body = (await response.json()) as { events?: unknown; next_before?: unknown };
  return {
    events: Array.isArray(body.events) ? body.events : [],
    next_before: typeof body.next_before === 'number' ? body.next_before : null,
  };
}
