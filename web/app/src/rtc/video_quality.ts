// What the app tells the server so each viewer gets the video that fits it.
//
// Publishing: a camera goes out as simulcast (RFC 8853, streams named by rid, RFC 8851),
// listed low to high as the server expects, so the server can send a thumbnail or a
// viewer on a poor link a smaller stream instead of the whole picture. Three streams
// from 540 rows, two from 360, one below: the counts libwebrtc itself allows for those
// sizes (it drops streams it finds too small, and a VGA camera's quarter is not worth
// sending).
//
// Receiving: the height at which each remote video is shown ("video-size", in CSS
// pixels; 0 when not shown) is reported once per change per m-section.

export function simulcast_encodings(height: number | undefined): RTCRtpEncodingParameters[] | undefined {
  const rows = height ?? 480;
  if (rows >= 540) {
    return [
      { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
      { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
      { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
    ];
  }
  if (rows >= 360) {
    return [
      { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 200_000 },
      { rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 900_000 },
    ];
  }
  return undefined;
}

// The transceiver options for publishing `track` (sendonly, in `stream`).
export function publish_init(track: MediaStreamTrack, stream: MediaStream): RTCRtpTransceiverInit {
  const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [stream] };
  if (track.kind !== 'video') return init;
  const encodings = simulcast_encodings(track.getSettings().height);
  return encodings ? { ...init, sendEncodings: encodings } : init;
}

// Remembers the height wanted for each received video track and what was last sent
// per mid, so a report goes out only when something changed and once the m-section's
// mid is known (after the negotiation that added it).
export class VideoSizes {
  private readonly wanted_ = new Map<MediaStreamTrack, number>();
  private readonly sent_ = new Map<string, number>();

  want(track: MediaStreamTrack, height: number): void {
    this.wanted_.set(track, Math.max(0, Math.min(4320, Math.round(height))));
  }

  forget(track: MediaStreamTrack): void {
    this.wanted_.delete(track);
  }

  // The reports due: `mid_of` maps a track to its m-section (null while unknown).
  due(mid_of: (track: MediaStreamTrack) => string | null): { mid: string; height: number }[] {
    const out: { mid: string; height: number }[] = [];
    for (const [track, height] of this.wanted_) {
      const mid = mid_of(track);
      if (mid === null || this.sent_.get(mid) === height) continue;
      this.sent_.set(mid, height);
      out.push({ mid, height });
    }
    return out;
  }

  // A new connection: nothing was told to its server yet.
  reset(): void {
    this.sent_.clear();
  }
}
