import { describe, expect, it } from 'vitest';
import { classify_media_error, constraints_for } from '../src/media/devices';
import { level_from_samples } from '../src/media/level_meter';
import { signaling_url, token_claims, token_from_url } from '../src/protocol/token';
import { ReconnectPolicy, kReconnectMaxDelayMs } from '../src/rtc/reconnect_policy';

const b64url = (s: string) => Buffer.from(s).toString('base64url');

describe('token', () => {
  it('reads claims without verifying and rejects junk', () => {
    const token = `${b64url('{"alg":"HS256"}')}.${b64url('{"conf":"demo","name":"Ağa Şükür","role":"speaker"}')}.sig`;
    expect(token_claims(token)).toMatchObject({ conf: 'demo', name: 'Ağa Şükür', role: 'speaker' });
    expect(token_claims('a.b')).toBeNull();
    expect(token_claims('a.!!!.c')).toBeNull();
    expect(token_claims(`x.${b64url('[1]')}.y`)).toBeNull();
    expect(token_claims(`x.${b64url('"s"')}.y`)).toBeNull();
  });

  it('finds the token in the page URL and builds the signaling URL', () => {
    expect(token_from_url('http://h/app/?token=abc.def.ghi')).toBe('abc.def.ghi');
    expect(token_from_url('http://h/app/')).toBe('');
    expect(signaling_url('a+b', { protocol: 'https:', host: 'x:1' })).toBe('wss://x:1/rtc?token=a%2Bb');
    expect(signaling_url('t', { protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/rtc?token=t');
  });
});

describe('devices', () => {
  it('tells a denied permission apart from missing or busy devices', () => {
    expect(classify_media_error(new DOMException('x', 'NotAllowedError'))).toBe('denied');
    expect(classify_media_error({ name: 'SecurityError' })).toBe('denied');
    expect(classify_media_error(new DOMException('x', 'NotFoundError'))).toBe('not-found');
    expect(classify_media_error(new DOMException('x', 'NotReadableError'))).toBe('in-use');
    expect(classify_media_error(new Error('boom'))).toBe('failed');
    expect(classify_media_error(null)).toBe('failed');
  });

  it('asks for exactly the chosen devices', () => {
    expect(constraints_for({ camera: '', microphone: '' })).toEqual({ video: true, audio: true });
    expect(constraints_for({ camera: null, microphone: 'm1' }))
      .toEqual({ video: false, audio: { deviceId: { exact: 'm1' } } });
  });
});

describe('level meter', () => {
  it('maps silence to 0, full scale to 1 and speech in between', () => {
    expect(level_from_samples(new Float32Array(0))).toBe(0);
    expect(level_from_samples(new Float32Array(512))).toBe(0);
    expect(level_from_samples(new Float32Array(512).fill(1))).toBeCloseTo(1);
    const speech = level_from_samples(new Float32Array(512).fill(0.03));  // about -30 dBFS
    expect(speech).toBeGreaterThan(0.4);
    expect(speech).toBeLessThan(0.6);
  });
});

describe('ReconnectPolicy', () => {
  it('backs off exponentially up to the cap and starts over after a success', () => {
    const policy = new ReconnectPolicy(() => 0.5);
    const delays = Array.from({ length: 8 }, () => policy.next_delay_ms());
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, kReconnectMaxDelayMs, kReconnectMaxDelayMs, kReconnectMaxDelayMs]);
    policy.reset();
    expect(policy.next_delay_ms()).toBe(500);
  });

  it('spreads clients with jitter of ±20 %', () => {
    expect(new ReconnectPolicy(() => 0).next_delay_ms()).toBe(400);
    expect(new ReconnectPolicy(() => 0.999999).next_delay_ms()).toBe(600);
  });
});
