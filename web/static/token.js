// Reads the claims of a Podium access token (JWT, HS256) without verifying it:
// the page only needs the conference name and role for display and URLs; the
// server is the one that checks the signature.
export function token_claims(token) {
  const parts = (token || '').trim().split('.');
  if (parts.length !== 3) return null;
  try {
    // RFC 7515 §2: base64url without padding.
    let b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    const claims = JSON.parse(json);
    return typeof claims === 'object' && claims !== null ? claims : null;
  } catch {
    return null;
  }
}

// Token from ?token=... in the page URL, or '' when absent.
export function token_from_url(href = window.location.href) {
  return new URL(href).searchParams.get('token') || '';
}
