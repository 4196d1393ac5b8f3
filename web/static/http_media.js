// Client side of WHIP (RFC 9725) and WHEP: one HTTP POST carries the complete
// SDP offer, the 201 response carries the answer and the session's Location,
// and DELETE on that Location ends the session.

const kGatheringTimeoutMs = 3000;

// RFC 9725 §4.3.1 has the client send its candidates in the offer unless it
// trickles; we do not trickle, so wait for gathering to finish (bounded: on a
// host with no usable interface gathering may never complete).
export function ice_gathering_complete(pc, timeout_ms = kGatheringTimeoutMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeout_ms);
    function done() {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    }
    function check() {
      if (pc.iceGatheringState === 'complete') done();
    }
    pc.addEventListener('icegatheringstatechange', check);
  });
}

function auth_headers(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function error_text(response) {
  const body = await response.text().catch(() => '');
  try {
    const json = JSON.parse(body);
    if (json && json.error) return `${response.status} ${json.error}`;
  } catch { /* not JSON: use the text */ }
  return `${response.status} ${body || response.statusText}`.trim();
}

// POSTs the pc's offer to `endpoint` and applies the answer.
// Returns {resource: absolute URL of the session, status}.
export async function exchange_sdp(pc, endpoint, token) {
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  await ice_gathering_complete(pc);
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', ...auth_headers(token) },
    body: pc.localDescription.sdp,
  });
  if (response.status !== 201) throw new Error(`POST ${endpoint}: ${await error_text(response)}`);
  const location = response.headers.get('Location');
  if (!location) throw new Error(`POST ${endpoint}: 201 without a Location header`);
  const answer = await response.text();
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  return { resource: new URL(location, endpoint).href, status: response.status };
}

// Ends the session; returns the HTTP status of the DELETE.
export async function delete_resource(resource, token) {
  const response = await fetch(resource, { method: 'DELETE', headers: auth_headers(token) });
  return response.status;
}

// Endpoint base: ?server=http://host:port to talk to another origin, else this one.
export function server_base(href = window.location.href) {
  const server = new URL(href).searchParams.get('server');
  return server ? new URL(server).origin : window.location.origin;
}
