import { describe, expect, it } from 'vitest';
import { VideoSizes, simulcast_encodings } from '../src/rtc/video_quality';

describe('simulcast_encodings', () => {
  it('sends three streams, low to high, from 540 rows up', () => {
    const encodings = simulcast_encodings(720) ?? [];
    expect(encodings.map((e) => e.rid)).toEqual(['q', 'h', 'f']);
    expect(encodings.map((e) => e.scaleResolutionDownBy)).toEqual([4, 2, 1]);
    const rates = encodings.map((e) => e.maxBitrate ?? 0);
    expect([...rates].sort((a, b) => a - b)).toEqual(rates);
  });
  it('sends two for a VGA camera and one for a small one', () => {
    expect(simulcast_encodings(480)?.map((e) => e.rid)).toEqual(['l', 'h']);
    expect(simulcast_encodings(360)?.length).toBe(2);
    expect(simulcast_encodings(undefined)?.length).toBe(2);
    expect(simulcast_encodings(240)).toBeUndefined();
  });
});

describe('VideoSizes', () => {
  const track = (id: string) => ({ id }) as unknown as MediaStreamTrack;

  it('reports a height once per change, when the mid is known', () => {
    const sizes = new VideoSizes();
    const a = track('a');
    const mids = new Map<MediaStreamTrack, string | null>([[a, null]]);
    const mid_of = (t: MediaStreamTrack) => mids.get(t) ?? null;
    sizes.want(a, 179.6);
    expect(sizes.due(mid_of)).toEqual([]);  // not negotiated yet
    mids.set(a, '3');
    expect(sizes.due(mid_of)).toEqual([{ mid: '3', height: 180 }]);
    expect(sizes.due(mid_of)).toEqual([]);  // nothing changed
    sizes.want(a, 540);
    expect(sizes.due(mid_of)).toEqual([{ mid: '3', height: 540 }]);
    sizes.want(a, -5);
    expect(sizes.due(mid_of)).toEqual([{ mid: '3', height: 0 }]);
  });

  it('tells a new connection again, and forgets tracks no longer received', () => {
    const sizes = new VideoSizes();
    const a = track('a');
    const b = track('b');
    const mid_of = (t: MediaStreamTrack) => (t === a ? '1' : '2');
    sizes.want(a, 120);
    sizes.want(b, 480);
    expect(sizes.due(mid_of)).toHaveLength(2);
    sizes.reset();
    sizes.forget(b);
    expect(sizes.due(mid_of)).toEqual([{ mid: '1', height: 120 }]);
  });
});
