// Reads the claims of a Podium access token (JWT, HS256) without verifying it: the app
// only needs the conference and role for display; the server checks the signature.

export interface TokenClaims {
  conf?: string;
  role?: string;
  name?: string;
  exp?: number;
  [claim: string]: unknown;
}

export function token_claims(token: string): TokenClaims | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    // RFC 7515 §2: base64url without padding.
    let b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as TokenClaims) : null;
  } catch {
    return null;
  }
}

// Token from ?token=... in the page URL, or '' when absent.
export function token_from_url(href: string): string {
  return new URL(href).searchParams.get('token') ?? '';
}

export function signaling_url(token: string, base: { protocol: string; host: string }): string {
  const scheme = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${base.host}/rtc?token=${encodeURIComponent(token)}`;
}
